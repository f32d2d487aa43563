"""GET /c/{token} through the real app and store: what the page shows one contact, the headers that
keep it private and inert, the links that open nothing (404) or no longer open (410)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from aiohttp.test_utils import TestClient

from bot.ops.state import STORE
from bot.web.page_frame import claim_page_text, style_sheet
from cards.i18n import text_for
from tests.bot.web.claim_support import create_claim, fetch, link_path

ABOUT_CPOR = "https://aka.ms/about-cpor"


async def megan_link(
    client: TestClient[Any, Any], auth: dict[str, str], body: dict[str, Any]
) -> tuple[dict[str, Any], str]:
    claim = await create_claim(client, auth, body)
    return claim, link_path(client, claim["id"], claim["contacts"][0]["id"])


async def test_the_page_shows_the_claim_as_the_card_explains_it(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, path = await megan_link(client, auth, claim_body)
    got = await fetch(client, path)
    assert got.status == 200
    text = got.page.main_text
    assert got.page.html_lang == "en"
    # Who sent it, and that Microsoft did not; then what the partner says and the status it reports.
    assert text.startswith("Sent by Contoso Partners, not by Microsoft.")
    assert (
        "Contoso Partners says it told Microsoft it helps your organisation use 3 Microsoft services." in text
    )
    for service in (
        "Chat and teamwork (Microsoft Teams)",
        "Email and calendars (Exchange Online)",
        "Managing and securing devices (Microsoft Intune)",
    ):
        assert service in text
    assert "Submitted, reported by Contoso Partners on" in text
    assert "The partner has sent the claim to Microsoft." in text
    # What the association gives (not yet: the claim is only submitted) and what it does not.
    assert "If approved, the partner gets usage and seat counts, and no other customer data." in text
    assert "This claim itself gives no admin roles." in text
    assert "Your mail, files, chats or other content." in text
    assert "We helped your team roll out Teams and Intune" in text  # the partner's words, labelled
    assert "Contoso Partners wrote this. Microsoft and this app have not checked it." in text
    # Microsoft's page is the first link on the page.
    assert got.page.links[0].href == ABOUT_CPOR
    # Behind "More about this", in a <details> the reader opens: the card's details and questions.
    assert "details" in got.page.tag_names() and "summary" in got.page.tag_names()
    assert "How do we decline or end it?" in text
    assert "18 November 2026" in text  # the submitted day, as the card writes English dates
    assert "You have not answered yet." in text


async def test_the_page_is_private_inert_and_parses(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, path = await megan_link(client, auth, claim_body)
    got = await fetch(client, path)
    headers = got.headers
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Robots-Tag"] == "noindex"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["Content-Language"] == "en"
    assert headers["Vary"] == "Accept-Language"
    policy = headers["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    for directive in ("form-action 'self'", "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in policy
    assert "script" not in policy and "unsafe" not in policy
    assert ("meta", {"name": "robots", "content": "noindex"}) in got.page.tags
    # One inline style sheet, the one the policy's hash allows; no script, image or outside resource.
    assert got.page.styles == [style_sheet()]
    assert not {"script", "img", "iframe", "link", "object"} & got.page.tag_names()
    assert "@media print" in style_sheet() and "overflow-wrap:anywhere" in style_sheet()
    assert "main" in got.page.tag_names()
    # Every form field has a label, every form posts to this page's own address.
    forms = [attrs for name, attrs in got.page.tags if name == "form"]
    assert len(forms) == 3 and all(f["action"].startswith(path + "/") for f in forms)
    assert all(f["method"] == "post" for f in forms)
    labelled = {attrs.get("for") for name, attrs in got.page.tags if name == "label"}
    fields = {attrs.get("id") for name, attrs in got.page.tags if name in ("textarea", "select")}
    assert fields == {"question"} and fields <= labelled


async def test_each_language_and_the_switcher_keeps_the_link(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, path = await megan_link(client, auth, claim_body)
    for locale, submitted in (
        ("en", "18 November 2026"),
        ("de", "18. November 2026"),
        ("fr", "18 novembre 2026"),
        ("es", "18 de noviembre de 2026"),
        ("ja", "2026年11月18日"),
        ("pt-BR", "18 de novembro de 2026"),
    ):
        got = await fetch(client, f"{path}?lang={locale}")
        t = text_for(locale)
        assert got.status == 200
        assert got.page.html_lang == locale and got.headers["Content-Language"] == locale
        text = got.page.main_text
        assert t("app.sent_by", partner="Contoso Partners") in text, locale
        assert t.status("submitted").label in text and t("claim.gives_pending") in text, locale
        assert t("workload.intune") in text, locale
        assert submitted in text, locale
        assert claim_page_text(locale)["page.no_answers"] in text, locale
        assert got.page.links[0].href == ABOUT_CPOR
        switcher = {
            link.attrs["hreflang"]: link.href for link in got.page.links if link.attrs.get("hreflang")
        }
        assert switcher == {
            other: f"{path}?lang={other}" for other in ("en", "de", "fr", "es", "ja", "pt-BR")
        }


async def test_the_language_comes_from_lang_then_the_browser_then_the_contact(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim_body["contacts"][1]["locale"] = "ja-JP"
    claim = await create_claim(client, auth, claim_body)
    lee = link_path(client, claim["id"], claim["contacts"][1]["id"])
    assert (await fetch(client, lee, **{"Accept-Language": "fr-CA,fr;q=0.9"})).page.html_lang == "fr"
    assert (await fetch(client, f"{lee}?lang=de", **{"Accept-Language": "fr"})).page.html_lang == "de"
    # A browser asking for no language the page has: the contact's own language on the claim.
    assert (await fetch(client, lee, **{"Accept-Language": "nl-NL"})).page.html_lang == "ja"


async def test_a_forged_link_is_a_404_with_nothing_of_any_claim(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, path = await megan_link(client, auth, claim_body)
    forged = path[:-4] + ("AAAA" if not path.endswith("AAAA") else "BBBB")
    for bad in (forged, "/c/not-a-token", "/c/" + "x" * 300):
        got = await fetch(client, bad)
        assert got.status == 404, bad
        assert got.page.main_text.startswith("This link does not work")
        assert "new link" in got.page.main_text
        assert "Contoso" not in got.html and "Fabrikam" not in got.html
        assert got.headers["Cache-Control"] == "no-store" and got.headers["X-Robots-Tag"] == "noindex"


async def test_an_expired_link_is_a_410_that_asks_for_a_new_one(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await create_claim(client, auth, claim_body)
    long_ago = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    got = await fetch(
        client, link_path(client, claim["id"], claim["contacts"][0]["id"], long_ago) + "?lang=de"
    )
    assert got.status == 410
    assert got.page.html_lang == "de"
    assert claim_page_text("de")["errors.gone"] in got.page.main_text
    assert "Contoso" not in got.html and "Fabrikam" not in got.html and "Megan" not in got.html


async def test_removing_the_contact_or_deleting_the_claim_revokes_the_link(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await create_claim(client, auth, claim_body)
    megan, lee = (link_path(client, claim["id"], c["id"]) for c in claim["contacts"])
    assert (await fetch(client, lee)).status == 200
    store = client.app[STORE]
    async with store._tx() as db:  # type: ignore[attr-defined]  # noqa: SLF001 - the API removes no contact
        await db.execute("DELETE FROM contacts WHERE id = ?", (claim["contacts"][1]["id"],))
    gone = await fetch(client, lee)
    assert gone.status == 410 and "Fabrikam" not in gone.html
    assert (await fetch(client, megan)).status == 200  # the other contact's link still opens
    # Retention deletes the whole claim: every link to it is revoked.
    await store.purge_claims(dt.datetime.now(dt.UTC) + dt.timedelta(days=1), limit=10)
    assert await store.get_claim(claim["id"]) is None
    assert (await fetch(client, megan)).status == 410


async def test_head_answers_like_get_without_a_body(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, path = await megan_link(client, auth, claim_body)
    for address, status in ((path, 200), ("/c/not-a-token", 404), ("/cpor", 200)):
        answer = await client.head(address)
        assert answer.status == status, address
        assert await answer.read() == b""
        assert answer.headers["Content-Security-Policy"].startswith("default-src 'none'")
