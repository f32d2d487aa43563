"""Write the claim email previews in this folder: ``python docs/email/make_preview.py`` (or
``make previews``). Each is the HTML part of the claim email for the Contoso sample, with the
contact's own link, as a mail client that does not show Actionable Messages sees it, rendered by
Debian's headless Chromium with no network. The Japanese preview needs a CJK font
(``fonts-noto-cjk``; `make previews` installs it).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from bot.mail.message import render_html
from cards import claim_card
from cards.i18n import card_lang, text_for
from cards.samples import CONTOSO, OUTLOOK_ORIGINATOR, SAMPLE_LINK

HERE = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
# No network: Chromium's own background connections would be refused on this kind of machine.
FLAGS = (
    "--headless",
    # The flags every headless Chromium here runs with (cards/headless.mjs reads them too).
    *json.loads((HERE.parent.parent / "cards" / "chromium-flags.json").read_text(encoding="utf-8")),
    "--hide-scrollbars",
    "--window-size=700,3000",
)


def main(locales: tuple[str, ...] = ("en", "ja")) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        for locale in locales:
            summary = replace(CONTOSO, web_link=SAMPLE_LINK)  # as the delivery worker sends it
            card = claim_card(summary, host="outlook", originator=OUTLOOK_ORIGINATOR, locale=locale)
            subject = text_for(locale)("email.subject_claim", partner=CONTOSO.partner_name)
            page = Path(tmp) / f"claim-email.{locale}.html"
            html = render_html(card, lang=card_lang(locale), title=subject, web_link=SAMPLE_LINK)
            page.write_text(html, encoding="utf-8")
            out = HERE / f"claim-email.{locale}.png"
            profile = f"--user-data-dir={tmp}/profile-{locale}"
            subprocess.run(  # noqa: S603 - a fixed local program and our own file paths
                [CHROMIUM, *FLAGS, profile, f"--screenshot={out}", page.as_uri()],
                check=True,
                capture_output=True,
                timeout=120,
            )
            print(f"wrote {out.relative_to(HERE.parents[1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
