"""GET /cpor, the public explainer, and a hostile claim on the claim page: the explainer shows no claim
and may be cached; what a partner typed stays inert text."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp.test_utils import TestClient

from bot.domain.claims import Claim, Contact, Status
from bot.ops.state import STORE
from cards import SUPPORTED_LOCALES
from cards.i18n import text_for
from tests.bot.web.claim_support import create_claim, fetch, link_path

BIDI = "\u202e\u2066\u200f"
LONG_WORD = "W" * 5000


async def test_the_explainer_has_no_claim_data_and_may_be_cached(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    await create_claim(client, auth, claim_body)  # a claim exists; the explainer still shows none
    for locale in SUPPORTED_LOCALES:
        got = await fetch(client, f"/cpor?lang={locale}")
        t = text_for(locale)
        assert got.status == 200
        assert got.headers["Cache-Control"] == "public, max-age=3600"
        assert got.headers["Content-Language"] == locale and got.page.html_lang == locale
        assert "X-Robots-Tag" not in got.headers
        assert got.headers["Content-Security-Policy"].startswith("default-src 'none'; style-src 'sha256-")
        assert got.page.links[0].href == "https://aka.ms/about-cpor"
        text = got.page.main_text
        for key in ("about.what", "claim.faq.poe", "about.data", "access.not_admin", "about.customer"):
            assert t(key) in text, (locale, key)
        for private in ("Contoso", "Fabrikam", "Megan", claim_body["partner_reference"]):
            assert private not in got.html, locale
        assert not {"form", "script", "img"} & got.page.tag_names()


async def test_the_explainer_follows_the_browser(client: TestClient[Any, Any]) -> None:
    got = await fetch(client, "/cpor", **{"Accept-Language": "pt-PT,pt;q=0.9,en;q=0.5"})
    assert got.page.html_lang == "pt-BR"
    assert (await fetch(client, "/cpor")).page.html_lang == "en"


async def hostile_claim(client: TestClient[Any, Any]) -> tuple[str, str]:
    """A claim as no partner API request could make it, stored directly: markup, bidi controls and
    a 5,000-character word in every field a partner fills."""
    store = client.app[STORE]
    partner = await store.create_partner(f"<b>Evil</b>{BIDI}Partners")
    now = dt.datetime.now(dt.UTC)
    claim = Claim(
        id="hostile-1",
        partner_id=partner.id,
        customer_tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
        customer_name="<script>alert(1)</script>",
        solution_area="modern_work_security",
        workloads=("teams", f"<img src=x onerror=alert(1)>{BIDI}"),
        status=Status.APPROVED,
        submitted_on=now.date(),
        created_at=now,
        updated_at=now,
        contacts=(Contact(id="hostile-1-c1", name=f"Mal{BIDI}lory", email="mallory@fabrikam.example"),),
        partner_reference=f"{BIDI}<a href=//evil.example>x</a>",
        message=f"{LONG_WORD} [click](https://evil.example) {BIDI}",
    )
    await store.create_claim(claim)
    return claim.id, link_path(client, claim.id, "hostile-1-c1")


async def test_a_hostile_claim_is_inert(client: TestClient[Any, Any]) -> None:
    _, path = await hostile_claim(client)
    got = await fetch(client, f"{path}?lang=en")
    assert got.status == 200
    assert got.page.problems == []
    # Markup arrives as text: nothing but the page's own elements.
    assert not {"script", "img", "b"} & got.page.tag_names()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in got.html
    assert "<script>alert(1)</script>" in got.page.main_text
    assert [link.href for link in got.page.links if "evil" in link.href] == []
    # No bidi control survives anywhere in the page.
    assert not any(ch in got.html for ch in BIDI)
    assert "<b>Evil</b>Partners" in got.page.main_text
    # The long word is cut as the card cuts the partner's message, and the style wraps what is left.
    longest = max(len(word) for word in got.page.text.split())
    assert 400 <= longest <= 500
    assert "overflow-wrap:anywhere" in got.page.styles[0]
