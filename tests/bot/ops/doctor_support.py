"""What the `cpor-bot doctor` tests share: the secrets they set (and look for in the output), and a
local stand-in for Microsoft Entra ID's token endpoint, which cannot run here.

The token endpoint answers as login.microsoftonline.com does for the client-credentials grant: a
token for the right app id and secret, `invalid_client` (AADSTS7000215) for a wrong secret,
AADSTS700016 for an unknown app and AADSTS90002 for an unknown tenant.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from tests.infra.service_settings import service_settings

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
OTHER_APP_ID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
TENANT_ID = "3e9f8d7c-6b5a-4c3d-9e2f-1a0b9c8d7e6f"
APP_PASSWORD = "app~Secret.Value_0123456789"
ISSUED_TOKEN = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.issued-token-body.signature"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MULTI_TENANT_AUTHORITY = "botframework.com"

# Every variable Settings.from_env reads: a test starts from none of them.
# Every variable the service reads (found in bot/ops/config.py's source): a test clears them all.
SETTINGS_VARIABLES = tuple(sorted(service_settings()))

_TRACE = (
    "\r\nTrace ID: 2b7a5f0e-7c1d-4a3e-9f6b-0d1c2e3f4a5b"
    "\r\nCorrelation ID: 9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a"
)


@dataclass
class TokenEndpoint:
    """The requests the endpoint got, as (tenant in the path, form fields)."""

    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{tenant}/oauth2/v2.0/token", self._token)
        return app

    async def _token(self, request: web.Request) -> web.Response:
        tenant = request.match_info["tenant"]
        form = {key: str(value) for key, value in (await request.post()).items()}
        self.requests.append((tenant, form))
        if form.get("grant_type") != "client_credentials" or form.get("scope") != BOT_FRAMEWORK_SCOPE:
            return _error(400, "invalid_request", "AADSTS900144: The request body must contain grant_type.")
        if tenant not in (TENANT_ID, MULTI_TENANT_AUTHORITY):
            return _error(400, "invalid_request", f"AADSTS90002: Tenant '{tenant}' not found.")
        if form.get("client_id") != APP_ID:
            return _error(
                400,
                "unauthorized_client",
                f"AADSTS700016: Application with identifier '{form.get('client_id')}' was not found in the "
                f"directory '{tenant}'.",
            )
        if form.get("client_secret") != APP_PASSWORD:
            return _error(
                401,
                "invalid_client",
                "AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the "
                "request is the client secret value, not the client secret ID, for a secret added to app "
                f"'{APP_ID}'.",
            )
        return web.json_response(
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": ISSUED_TOKEN}
        )


def _error(status: int, error: str, description: str) -> web.Response:
    body = {
        "error": error,
        "error_description": description + _TRACE,
        "error_codes": [int(description[6:].split(":", 1)[0])],
    }
    return web.json_response(body, status=status)
