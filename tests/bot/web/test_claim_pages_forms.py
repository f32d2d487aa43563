"""The claim page's forms through the real app: each records once through the verb table, tells the
partner, and redirects to the page, which then shows the answer; without this link's form token
nothing is recorded; one link may post only so often."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from bot.ops.state import STORE
from bot.web.page_frame import claim_page_text
from tests.bot.web.claim_support import (
    NOW,
    create_claim,
    fetch,
    form_token,
    link_path,
    post_form,
    responses_of,
)
from tests.bot.web.conftest import PageClient
from tests.bot.web.support import read_page
from tests.support import make_key

KINDS = {"acknowledge": "acknowledged", "not-recognised": "not_recognised", "question": "question"}


async def claim_and_links(
    client: TestClient[Any, Any], auth: dict[str, str], body: dict[str, Any]
) -> tuple[dict[str, Any], str, str]:
    claim = await create_claim(client, auth, body)
    megan, lee = (link_path(client, claim["id"], c["id"]) for c in claim["contacts"])
    return claim, megan, lee


def fields(client: TestClient[Any, Any], path: str, **more: str) -> dict[str, str]:
    return {"form_token": form_token(client, path), "lang": "en", **more}


@pytest.mark.parametrize("form", ["acknowledge", "not-recognised", "question"])
async def test_each_form_records_once_and_the_page_shows_it(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any], form: str
) -> None:
    claim, megan, _ = await claim_and_links(client, auth, claim_body)
    sent = fields(client, megan, question="Who signed the statement of work?")
    for _ in range(2):  # a second click finds the same answer
        status, headers, _ = await post_form(client, megan, form, sent)
        assert status == 303
        assert headers["Location"] == f"{megan}?lang=en#answers"
    (response,) = await responses_of(client, auth, claim["id"])
    assert response["kind"] == KINDS[form]
    assert (response["channel"], response["user_name"]) == ("web", "Megan Bowen")
    assert response["contact_id"] == claim["contacts"][0]["id"]
    got = await fetch(client, megan)
    text = got.page.main_text
    assert "You have not answered yet." not in text
    if form == "acknowledge":
        assert "you selected Got it." in text and "Megan Bowen selected Got it on" in text
        assert not got.html.count(f'action="{megan}/acknowledge"')  # no second Got it to select
    elif form == "not-recognised":
        assert "You told the partner you don't recognise them." in text
        assert "you told Contoso Partners you don't recognise them." in text
    else:
        assert "you asked: Who signed the statement of work?" in text
        assert response["text"] == "Who signed the statement of work?"


async def test_a_form_answer_tells_the_partners_webhook(
    page_client: PageClient, claim_body: dict[str, Any]
) -> None:
    client = await page_client(webhook_allow_loopback=True)
    store = client.app[STORE]
    auth = {"Authorization": f"Bearer {await make_key(store)}"}
    answer = await client.put("/api/webhook", json={"url": "http://127.0.0.1:9/hook"}, headers=auth)
    assert answer.status in (200, 201), await answer.text()
    _, megan, _ = await claim_and_links(client, auth, claim_body)
    for _ in range(2):
        assert (await post_form(client, megan, "acknowledge", fields(client, megan)))[0] == 303
    partner = await store.partner_by_name("Contoso Partners")
    assert partner is not None
    events = await store.webhook_events(partner.id, limit=10)
    assert [(e.event_type, e.payload["response"]["kind"]) for e in events] == [
        ("customer.response", "acknowledged")
    ]


async def test_without_this_links_form_token_nothing_is_recorded(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim, megan, lee = await claim_and_links(client, auth, claim_body)
    refused = (
        {"lang": "en"},  # no token
        {"form_token": "", "lang": "en"},
        {"form_token": "AAAAAAAAAAAAAAAAAAAAAA", "lang": "en"},
        {"form_token": "\u00ff", "lang": "en"},  # not ASCII: hmac.compare_digest refuses to compare it
        {"form_token": form_token(client, megan)[:-1] + "\u00e9", "lang": "en"},
        {"form_token": form_token(client, lee), "lang": "en"},  # the other contact's, on Megan's link
        {"form_token": form_token(client, megan), "lang": "en"},  # Megan's older link's, on a newer one
    )
    for i, form in enumerate(("acknowledge", "not-recognised", "question")):
        # A link of Megan's own for each form, so that the refusals stay under the posts' limit.
        path = link_path(client, claim["id"], claim["contacts"][0]["id"], NOW + dt.timedelta(seconds=i + 1))
        for sent in refused:
            status, headers, body = await post_form(client, path, form, {**sent, "question": "Hello?"})
            assert status == 403, (form, sent)
            assert claim_page_text("en")["errors.forbidden"] in read_page(body).main_text
            assert headers["Cache-Control"] == "no-store"
    assert await responses_of(client, auth, claim["id"]) == []


async def post_raw(
    client: TestClient[Any, Any], path: str, form: str, body: bytes, content_type: str
) -> tuple[int, str]:
    """A form body as bytes, as a browser in another charset or a hand-made client might send it."""
    answer = await client.post(
        f"{path}/{form}", data=body, headers={"Content-Type": content_type}, allow_redirects=False
    )
    return answer.status, await answer.text()


async def test_a_form_that_is_not_utf8_text_records_nothing(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await create_claim(client, auth, claim_body)
    megan_id = claim["contacts"][0]["id"]
    urlencoded = "application/x-www-form-urlencoded"
    for i, (fields, content_type) in enumerate(
        (
            (b"&lang=en", f"{urlencoded}; charset=bogus"),  # no such charset
            (b"&lang=en&question=%E9t%E9%3F", f"{urlencoded}; charset=iso-8859-1"),  # not UTF-8
            (b"&lang=en&question=Who%FF%FEsigned%3F", urlencoded),  # escapes that are not UTF-8
            (b"&lang=en&question=Who\xffsigned%3F", urlencoded),  # bytes that are not UTF-8
            (b"&lang=en&question=Who%ED%A0%80signed%3F", urlencoded),  # half a surrogate pair
        )
    ):
        # A link of Megan's own for each body, so that the refusals stay under the posts' limit.
        path = link_path(client, claim["id"], megan_id, NOW + dt.timedelta(seconds=i + 1))
        body = b"form_token=" + form_token(client, path).encode() + fields
        for form in ("acknowledge", "question"):
            status, html = await post_raw(client, path, form, body, content_type)
            assert status == 400, (body, content_type, form)
            page = read_page(html)
            assert "What you typed has characters this app can't store" in page.main_text
            assert "Contoso" not in page.main_text  # a short page: nothing of the claim
    assert await responses_of(client, auth, claim["id"]) == []
    path = link_path(client, claim["id"], megan_id)
    # Without the link's form token it is the usual 403, whatever the body holds.
    status, _ = await post_raw(client, path, "acknowledge", b"form_token=%FF&lang=en", urlencoded)
    assert status == 403
    # The same question in UTF-8 goes through, as typed.
    body = b"form_token=" + form_token(client, path).encode() + b"&lang=en&question=%C3%89t%C3%A9%3F"
    assert (await post_raw(client, path, "question", body, f"{urlencoded}; charset=UTF-8"))[0] == 303
    assert [r["text"] for r in await responses_of(client, auth, claim["id"])] == ["Été?"]


async def test_a_multipart_form_that_is_not_utf8_text_is_a_400_not_a_403(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim = await create_claim(client, auth, claim_body)
    path = link_path(client, claim["id"], claim["contacts"][0]["id"])

    def multipart(token: str, question: bytes) -> bytes:
        fields = ((b"form_token", token.encode()), (b"lang", b"en"), (b"question", question))
        parts = [b'--B\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % f for f in fields]
        return b"".join(parts) + b"--B--\r\n"

    content_type = "multipart/form-data; boundary=B"
    status, html = await post_raw(
        client, path, "question", multipart(form_token(client, path), b"\xff\xfe"), content_type
    )
    assert status == 400
    assert "What you typed has characters this app can't store" in read_page(html).main_text
    # A foreign form token is still the 403, unreadable question or not.
    assert (await post_raw(client, path, "question", multipart("nope", b"\xff\xfe"), content_type))[0] == 403
    assert await responses_of(client, auth, claim["id"]) == []
    # The same form in UTF-8 goes through.
    good = multipart(form_token(client, path), "Été?".encode())
    assert (await post_raw(client, path, "question", good, content_type))[0] == 303
    assert [r["text"] for r in await responses_of(client, auth, claim["id"])] == ["Été?"]


async def test_a_forged_or_expired_link_posts_nothing(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim, megan, _ = await claim_and_links(client, auth, claim_body)
    old = link_path(client, claim["id"], claim["contacts"][0]["id"], dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert (await post_form(client, old, "acknowledge", fields(client, old)))[0] == 410
    forged = megan[:-2] + ("zz" if not megan.endswith("zz") else "yy")
    assert (await post_form(client, forged, "acknowledge", fields(client, megan)))[0] == 404
    assert await responses_of(client, auth, claim["id"]) == []


async def test_a_question_is_checked_like_the_cards(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    claim, megan, _ = await claim_and_links(client, auth, claim_body)
    for question, error in (
        ("   \n ", "Type a question first."),
        ("x" * 501, "Your question is longer than 500 characters."),
        ("bad\x00text", "characters this app can't store"),
    ):
        status, _, body = await post_form(client, megan, "question", fields(client, megan, question=question))
        assert status == 422, question
        assert error in read_page(body).main_text
        assert 'role="alert"' in body and 'aria-invalid="true"' in body
    assert await responses_of(client, auth, claim["id"]) == []
    # Exactly the card's limit is fine; spaces and line breaks are collapsed as the card collapses them.
    longest = "y" * 499 + "?"
    status, _, _ = await post_form(
        client, megan, "question", fields(client, megan, question=f"  {longest}\n")
    )
    assert status == 303
    assert [r["text"] for r in await responses_of(client, auth, claim["id"])] == [longest]


async def test_one_link_posts_at_most_ten_times_a_minute(
    client: TestClient[Any, Any], auth: dict[str, str], claim_body: dict[str, Any]
) -> None:
    _, megan, lee = await claim_and_links(client, auth, claim_body)
    for _ in range(10):
        assert (await post_form(client, megan, "acknowledge", fields(client, megan)))[0] == 303
    status, headers, body = await post_form(client, megan, "acknowledge", fields(client, megan))
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60
    assert claim_page_text("en")["errors.busy"] in body
    # Another link is counted on its own.
    assert (await post_form(client, lee, "acknowledge", fields(client, lee)))[0] == 303
