"""The real Bot Framework JWT path on /api/messages, offline.

A local OpenID metadata document and JWKS (served from another thread, because botbuilder fetches
them with blocking `requests`) stand in for login.botframework.com; tokens are minted with a fresh
RSA key. Everything else is the SDK's own validation.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from aiohttp.test_utils import TestClient
from botframework.connector.auth import AppCredentials, ServiceClientCredentialsFactory
from cryptography.hazmat.primitives.asymmetric import rsa

from app import create_app
from bot.ops.config import Settings
from tests.fakes import FakeConnector, running_connector
from tests.support import load_fixture, raw_request

APP_ID = "9e0b9a1c-2d3e-4f50-8a6b-7c8d9e0f1a2b"
APP_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"  # the app registration's tenant (SingleTenant)
ISSUER = "https://api.botframework.com"


class OpenIdServer:
    """Serves /metadata and /keys on 127.0.0.1 from a background thread."""

    def __init__(self, jwks: dict[str, Any]) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.endswith("/metadata"):
                    body = {"issuer": ISSUER, "jwks_uri": f"{server.base}/keys"}
                elif self.path.endswith("/keys"):
                    body = jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> OpenIdServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FixedTokenCredentials(AppCredentials):  # type: ignore[misc]
    """Outbound calls get a fixed token instead of asking Microsoft Entra ID (no network)."""

    def __init__(self) -> None:
        super().__init__(app_id=APP_ID, channel_auth_tenant=None, oauth_scope="https://api.botframework.com")
        self.microsoft_app_id = APP_ID

    def get_access_token(self, force_refresh: bool = False) -> str:
        return "fixed-outbound-token"


class FixedCredentialsFactory(ServiceClientCredentialsFactory):  # type: ignore[misc]
    async def is_valid_app_id(self, app_id: str) -> bool:
        return app_id == APP_ID

    async def is_authentication_disabled(self) -> bool:
        return False

    async def create_credentials(
        self, app_id: str, oauth_scope: str, login_endpoint: str, validate_authority: bool
    ) -> Any:
        return FixedTokenCredentials()


def local_auth(openid_base: str) -> Any:
    """The SDK's own authentication, with the public cloud's settings spelled out and the OpenID
    metadata served from `openid_base` (botbuilder only honours a metadata URL when it is given the
    full parameter set); outbound calls get a fixed token."""
    from botbuilder.integration.aiohttp import ConfigurationBotFrameworkAuthentication

    class Config:
        APP_ID = globals()["APP_ID"]
        APP_PASSWORD = "not-used-because-credentials-are-fixed"
        APP_TYPE = "MultiTenant"
        APP_TENANTID = ""
        TO_CHANNEL_FROM_BOT_LOGIN_URL = "https://login.microsoftonline.com/botframework.com"
        TO_CHANNEL_FROM_BOT_OAUTH_SCOPE = "https://api.botframework.com"
        TO_BOT_FROM_CHANNEL_TOKEN_ISSUER = ISSUER
        OAUTH_URL = "https://api.botframework.com"
        CALLER_ID = "urn:botframework:azure"
        # Unique URLs per call: botbuilder caches metadata in a class-level dict keyed by URL.
        TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL = f"{openid_base}/{uuid.uuid4().hex}/metadata"
        TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL = f"{openid_base}/{uuid.uuid4().hex}/emulator/metadata"

    return ConfigurationBotFrameworkAuthentication(Config(), credentials_factory=FixedCredentialsFactory())


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    async with running_connector() as fake:
        yield fake


@pytest.fixture
async def secured(
    aiohttp_client: Callable[..., Awaitable[TestClient[Any, Any]]],
    tmp_path: Path,
    openid: OpenIdServer,
) -> TestClient[Any, Any]:
    auth = local_auth(openid.base)
    settings = Settings(
        app_id=APP_ID,
        app_password="x",
        app_tenant_id=APP_TENANT_ID,
        database_url=f"sqlite:///{tmp_path / 'bot.db'}",
        delivery_poll_seconds=3600,
    )
    return await aiohttp_client(create_app(settings, bot_auth=auth))


def mint(key: rsa.RSAPrivateKey, service_url: str, **overrides: Any) -> str:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": APP_ID,
        "serviceurl": service_url,
        "nbf": now - 60,
        "iat": now - 60,
        "exp": now + 3600,
    }
    kid = overrides.pop("kid", "endorsed-key")
    claims.update(overrides)
    claims = {k: v for k, v in claims.items() if v is not None}
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": kid})


def typing_activity(service_url: str) -> dict[str, Any]:
    activity = load_fixture("message_help.json")
    activity.update(type="typing", serviceUrl=service_url)
    activity.pop("text")
    return activity


async def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_token(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, connector: FakeConnector
) -> None:
    activity = load_fixture("message_help.json")
    activity["serviceUrl"] = connector.url
    token = mint(signing_key, connector.url)
    resp = await secured.post("/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"})
    assert resp.status in (200, 201), await resp.text()
    ((path, reply, authorization),) = connector.posts
    assert path.startswith(f"/v3/conversations/{activity['conversation']['id']}/activities")
    assert reply["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert authorization == "Bearer fixed-outbound-token"


@pytest.mark.parametrize(
    "case",
    [
        "no header",
        "wrong audience",
        "wrong issuer",
        "expired",
        "bad signature",
        "key not endorsed for msteams",
        "serviceurl mismatch",
        "not a jwt",
    ],
)
async def test_bad_tokens_get_401(
    secured: TestClient[Any, Any], signing_key: rsa.RSAPrivateKey, case: str
) -> None:
    service_url = "https://smba.trafficmanager.net/emea/"
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    tokens = {
        "no header": None,
        "wrong audience": mint(signing_key, service_url, aud=str(uuid.uuid4())),
        "wrong issuer": mint(signing_key, service_url, iss="https://evil.example"),
        "expired": mint(signing_key, service_url, exp=int(time.time()) - 3600, nbf=None, iat=None),
        "bad signature": mint(other_key, service_url),
        "key not endorsed for msteams": mint(signing_key, service_url, kid="webchat-only-key"),
        "serviceurl mismatch": mint(signing_key, "https://evil.example/"),
        "not a jwt": "abc.def.ghi",
    }
    token = tokens[case]
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    resp = await secured.post("/api/messages", json=typing_activity(service_url), headers=headers)
    assert resp.status == 401, f"{case}: {resp.status} {await resp.text()}"


async def test_a_token_that_is_not_ascii_gets_401(secured: TestClient[Any, Any]) -> None:
    # Raw header bytes that are not UTF-8 (a client library would refuse to send them), then UTF-8
    # that no JWT holds: both are a bad token, not a crash.
    body = json.dumps(typing_activity("https://smba.trafficmanager.net/emea/")).encode()
    for token in (b"\xff\xfe.abc.def", "eyJ\u00e9.abc.def".encode()):
        status, _, answer = await raw_request(
            secured,
            b"POST /api/messages HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nAuthorization: Bearer " + token + b"\r\n"
            b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body,
        )
        assert status == 401, (token, answer)


async def test_without_an_app_id_auth_is_off(client: TestClient[Any, Any]) -> None:
    activity = typing_activity("https://smba.trafficmanager.net/emea/")
    resp = await client.post("/api/messages", json=activity)
    assert resp.status in (200, 201)


async def test_without_an_app_id_a_token_it_cannot_read_is_401(client: TestClient[Any, Any]) -> None:
    # Auth is off, so no header is fine; but a header the SDK cannot validate is a bad token, not a 500.
    activity = typing_activity("https://smba.trafficmanager.net/emea/")
    resp = await client.post("/api/messages", json=activity, headers={"Authorization": "Bearer abc.def.ghi"})
    assert resp.status == 401, await resp.text()
