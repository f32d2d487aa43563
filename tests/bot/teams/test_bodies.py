"""/api/messages before the turn: no token is a 401 whatever the body; a body that is not an activity
the bot can handle is a 400 with a short reason, never a 500, and leaves no trace at ERROR level."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from bot.ops.config import Settings
from bot.teams.activity_body import MAX_ACTIVITY_DEPTH, ActivityBodyError, read_activity
from tests.bot.teams.test_auth import APP_ID, APP_TENANT_ID, OpenIdServer, local_auth, mint
from tests.support import load_fixture

EMEA = "https://smba.trafficmanager.net/emea/"


def activity_with(**fields: Any) -> bytes:
    activity = load_fixture("message_help.json")
    activity.update(fields)
    return json.dumps(activity).encode()


# Each body with what the 400 says about it.
BAD_BODIES: dict[str, tuple[bytes, str]] = {
    "unfinished object": (b"{", "not valid JSON"),
    "a list": (b"[1]", "must be a JSON object"),
    "a string": (b'"x"', "must be a JSON object"),
    "empty": (b"", "not valid JSON"),
    "10,000 nested lists": (b"[" * 10_000 + b"]" * 10_000, "nesting is deeper"),
    "10,000 nested objects": (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, "nesting is deeper"),
    "65 nested objects": (b'{"a":' * (MAX_ACTIVITY_DEPTH + 1) + b"1" + b"}" * 65, "nesting is deeper"),
    "a 5,000-digit number": (b"1" * 5_000, "number is longer"),
    "a 5,000-digit number in an activity": (
        activity_with(channelData={"n": 0}).replace(b'"n": 0', b'"n": ' + b"9" * 5_000),
        "number is longer",
    ),
    "a number past float range": (activity_with().replace(b'"text": "help"', b'"text": 1e999'), "too large"),
    "NaN": (activity_with().replace(b'"text": "help"', b'"text": NaN'), "NaN"),
    "a lone surrogate in text": (activity_with(text="\ud800"), "unpaired surrogate"),
    "a lone surrogate in a key": (activity_with(channelData={"\udc00": 1}), "unpaired surrogate"),
    "a NUL in the conversation id": (
        activity_with(conversation={"id": "a:1\x00", "conversationType": "personal"}),
        "NUL",
    ),
    "bytes that are not UTF-8": (b'{"type": "message", "text": "\xed\xa0\x80"}', "not UTF-8"),
    "no type": (activity_with(type=None), "needs a type"),
    "text as a number": (activity_with(text=12), "text must be a string"),
    "from as a string": (activity_with(**{"from": "megan"}), "from must be an object"),
    "an account id as an object": (activity_with(recipient={"id": {"x": 1}}), "recipient.id"),
    "members as a string": (activity_with(membersAdded="everyone"), "membersAdded must be a list"),
    "a timestamp that is not a time": (activity_with(timestamp="yesterday"), "wrong type"),
}


@pytest.fixture
async def secured(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    openid: OpenIdServer,
) -> TestClient[Any, Any]:
    settings = Settings(
        app_id=APP_ID,
        app_password="x",
        app_tenant_id=APP_TENANT_ID,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
    )
    return await aiohttp_client(create_app(settings, bot_auth=local_auth(openid.base)))


async def post_raw(client: TestClient[Any, Any], body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    resp = await client.post(
        "/api/messages", data=body, headers={"Content-Type": "application/json", **headers}
    )
    return resp.status, await resp.text()


def nothing_logged_as_an_error(caplog: pytest.LogCaptureFixture) -> None:
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert errors == [], [r.getMessage() for r in errors]


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_without_a_token_any_body_is_a_401(
    secured: TestClient[Any, Any], caplog: pytest.LogCaptureFixture, case: str
) -> None:
    body, _ = BAD_BODIES[case]
    status, _text = await post_raw(secured, body, {})
    assert status == 401, case
    nothing_logged_as_an_error(caplog)


@pytest.mark.parametrize("case", BAD_BODIES)
async def test_with_a_valid_token_a_malformed_body_is_a_400_with_its_reason(
    secured: TestClient[Any, Any],
    signing_key: rsa.RSAPrivateKey,
    caplog: pytest.LogCaptureFixture,
    case: str,
) -> None:
    body, reason = BAD_BODIES[case]
    token = mint(signing_key, EMEA)
    status, text = await post_raw(secured, body, {"Authorization": f"Bearer {token}"})
    assert status == 400, f"{case}: {status} {text[:300]}"
    error = json.loads(text)["error"]
    assert error["code"] == "BadRequest"
    assert reason in error["message"] and len(error["message"]) < 200
    assert "Traceback" not in text
    nothing_logged_as_an_error(caplog)


async def test_without_authentication_configured_a_malformed_body_is_still_a_400(
    client: TestClient[Any, Any], caplog: pytest.LogCaptureFixture
) -> None:
    for case, (body, _) in BAD_BODIES.items():
        status, _text = await post_raw(client, body, {})
        assert status == 400, case
    nothing_logged_as_an_error(caplog)


async def test_a_body_that_is_not_declared_json_is_a_415_not_a_crash(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey
) -> None:
    token = mint(signing_key, EMEA)
    resp = await secured.post(
        "/api/messages",
        data=activity_with(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )
    assert resp.status == 415
    resp = await secured.post(
        "/api/messages", data=activity_with(), headers={"Authorization": f"Bearer {token}"}
    )
    assert resp.status == 415


def test_text_in_a_cards_value_is_left_to_the_bot_but_still_bounded() -> None:
    # A question typed into a card: the bot answers it with a card asking to type it again.
    activity = read_activity(activity_with(value={"question": "\ud800", "nested": {"text": "\x00"}}))
    assert activity["value"]["question"] == "\ud800"
    deep: Any = 1
    for _ in range(MAX_ACTIVITY_DEPTH + 1):
        deep = {"a": deep}
    with pytest.raises(ActivityBodyError, match="nesting is deeper"):
        read_activity(activity_with(value=deep))


def test_an_ordinary_activity_reads_as_json_reads_it() -> None:
    for name in ("message_help.json", "invoke_card_action.json", "outlook_invoke.json"):
        raw = json.dumps(load_fixture(name), ensure_ascii=False).encode()
        assert read_activity(raw) == json.loads(raw)
    emoji = activity_with(text="Danke 👍 \u00e9", value={"q": "日本語"})
    assert read_activity(emoji)["text"] == "Danke 👍 \u00e9"
