"""The partner API fuzzed against its own OpenAPI document with schemathesis.

The real app listens on a loopback port with a fresh SQLite store and a partner key. Every operation
gets the document's examples, schemathesis' coverage cases and generated requests, valid and invalid;
then workflows follow the document's links (create a claim, read it, change its status, notify its
contacts). A 5xx, an undocumented status, a wrong content type, a body or a required header that breaks
the document, invalid input accepted or valid input refused fails the test, and the report shows the
request that reproduces it as a curl command (the partner key left out).

Bounded and reproducible: a fixed seed, a fixed number of examples, no example database.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import threading
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import pytest
import schemathesis
from aiohttp import web
from hypothesis import HealthCheck, Phase, seed, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.errors import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData

from app import create_app
from bot.ops.config import Settings
from bot.ops.state import STORE, WEBHOOKS, WORKER
from bot.partner_api.models import SPECIAL_USE_DOMAINS
from bot.partner_api.openapi import openapi_document
from tests.support import RecordingSender, make_key

pytestmark = pytest.mark.slow

Case = schemathesis.Case[Any]
T = TypeVar("T")

HOST = "127.0.0.1"
# Fixed, so CI draws exactly the requests a run here drew; another seed explores further.
SEED = 20261207
# Generated requests per operation, on top of its examples and coverage cases.
MAX_EXAMPLES = 300
# Workflows, and calls in each.
WORKFLOWS = 200
WORKFLOW_STEPS = 8
# Any one request (and the checks on its answer) this long is a failure, not a slow machine.
DEADLINE_MS = 5000


def _settings(max_examples: int) -> settings:
    return settings(
        max_examples=max_examples,
        deadline=DEADLINE_MS,
        derandomize=True,
        database=None,  # no .hypothesis folder: nothing is written into the checkout
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        stateful_step_count=WORKFLOW_STEPS,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# --- the live app -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LiveApi:
    base_url: str
    key: str
    # A key for another partner, new each time: a workflow starts with nothing stored and no limit used.
    new_key: Callable[[], str]

    def call_kwargs(self, key: str | None = None) -> dict[str, Any]:
        return {"base_url": self.base_url, "headers": {"Authorization": f"Bearer {key or self.key}"}}


class _Server:
    """An aiohttp app on its own event loop in a background thread, so schemathesis' blocking requests
    reach it over TCP as any client's would."""

    def __init__(self, app: web.Application) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="fuzzed-app", daemon=True)
        self.runner = web.AppRunner(app)

    def start(self) -> str:
        """The base URL, once the app has started (its startup and cleanup contexts run as in service)."""
        self.thread.start()
        return self.run(self._start())

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        """`coroutine`'s result, run on the app's loop."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    def stop(self) -> None:
        self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()

    async def _start(self) -> str:
        await self.runner.setup()
        await web.TCPSite(self.runner, HOST, 0).start()
        return f"http://{HOST}:{self.runner.addresses[0][1]}"


@pytest.fixture(scope="module")
def live_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApi]:
    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        database_url=f"sqlite:///{folder / 'bot.db'}",
        delivery_poll_seconds=3600,
        mail_outbox_dir=str(folder / "outbox"),
    )
    server = _Server(create_app(settings, sender=RecordingSender()))
    base_url = server.start()
    try:
        app = server.app
        # The delivery and webhook workers stay idle: nothing the fuzzer queues or registers is sent.
        app[WORKER].stop()
        app[WEBHOOKS].stop()
        partners = itertools.count(1)

        def new_key() -> str:
            return server.run(make_key(app[STORE], f"Fuzzing Partner {next(partners)}"))

        yield LiveApi(base_url, server.run(make_key(app[STORE])), new_key)
    finally:
        server.stop()


# --- the document and the checks ----------------------------------------------------------------------

CONFIG = schemathesis.Config.from_dict(
    {
        "seed": SEED,
        "generation": {"database": "none", "with-security-parameters": False},
        "request-timeout": 10,
        # Workflows follow the links the document declares, and only those.
        "phases": {"stateful": {"inference": {"algorithms": []}}},
        # The reproducing request is shown whole, but for the partner key.
        "output": {
            "sanitization": {"keys-to-sanitize": ["authorization"], "sensitive-markers": ["authorization"]}
        },
    }
)
# The Bot Framework's endpoint is not the partner API: Teams calls it and botbuilder answers it, and
# with authentication off (as here) a fuzzed activity could have the bot reply to any serviceUrl.
# /readyz answers 503 here, rightly: the workers are stopped above (tests/test_app.py covers it).
schema = (
    schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)
    .exclude(path="/api/messages")
    .exclude(path="/readyz")
)


def _special_use_address(case: Case, field: str) -> bool:
    """Whether the contact email the problem names is under a special-use domain, which the email
    field's description says is refused."""
    index = int(field.split("[")[1].split("]")[0])
    body: Any = case.body
    email = str(body["contacts"][index]["email"])
    return email.rpartition(".")[2].lower() in SPECIAL_USE_DOMAINS


def _anything(case: Case, field: str) -> bool:
    return True


Rule = tuple[str, str, Callable[[Case, str], bool]]
# Requests the schema allows that the API refuses by rules its document states in words (the 422's or
# the field's description): by operation, the field at fault, what is said about it and, where the
# request shows it, that the rule applies. Any other 422 to a schema-valid request is a mismatch.
STATED_RULES: dict[str, tuple[Rule, ...]] = {
    "POST /api/claims": (
        (r"workloads\[\d+\]", r"belongs to solution area", _anything),
        (r"customer_name|contacts\[\d+\]\.name", r"^must not be blank$", _anything),
        (r"contacts\[\d+\]\.email", r"^repeats contacts\[\d+\]\.email$", _anything),
        (r"contacts\[\d+\]\.aad_object_id", r"^repeats contacts\[\d+\]\.aad_object_id$", _anything),
        (r"contacts\[\d+\]\.email", r"^must be a valid email address$", _special_use_address),
        (r"submitted_on", r"^must not be in the future$", _anything),
    ),
    "GET /api/claims": ((r"cursor", r"^is not a cursor this API gave out$", _anything),),
    # Not https, credentials, a host name that is not valid, a private address: all in the 422's words.
    "PUT /api/webhook": ((r"url", r".", _anything),),
}
# On every POST: a key drawn again, with another body.
REUSED_KEY: Rule = (r"Idempotency-Key", r"^was used with another body or path$", _anything)


def _refused_by_stated_rules(case: Case, response: schemathesis.Response) -> bool:
    rules = STATED_RULES.get(case.operation.label, ())
    if case.method.upper() == "POST":
        rules = (*rules, REUSED_KEY)
    try:
        errors = [(str(e["field"]), str(e["detail"])) for e in response.json()["errors"]]
    except (ValueError, KeyError, TypeError):
        return False

    def stated(field: str, detail: str) -> bool:
        return any(
            re.fullmatch(f, field) and re.search(d, detail) and applies(case, field)
            for f, d, applies in rules
        )

    return bool(errors) and all(stated(field, detail) for field, detail in errors)


def schema_valid_requests_are_accepted(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: Case
) -> bool | None:
    """schemathesis' `positive_data_acceptance`, but for a 422 by a rule the document states."""
    try:
        accepted: bool | None = positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if response.status_code == 422 and _refused_by_stated_rules(case, response):
            return None
        raise
    return accepted


CHECKS: dict[str, Any] = {
    "excluded_checks": [positive_data_acceptance],
    "additional_checks": [schema_valid_requests_are_accepted],
}


# --- every operation on its own -----------------------------------------------------------------------


@schema.parametrize()
@_settings(MAX_EXAMPLES)
def test_every_operation_follows_the_document(case: Case, live_api: LiveApi) -> None:
    case.call_and_validate(**live_api.call_kwargs(), **CHECKS)


# --- workflows along the document's links -------------------------------------------------------------


@seed(SEED)
class PartnerWorkflows(schema.as_state_machine()):  # type: ignore[misc]  # a class schemathesis builds
    """Calls chained by the document's links, on the live app, each workflow as a partner of its own
    (so what one stored or used up cannot change what the next draws); counts the answers."""

    api: ClassVar[LiveApi]
    answered: ClassVar[Counter[tuple[str, int]]] = Counter()

    def setup(self) -> None:
        self.key = self.api.new_key()

    def get_call_kwargs(self, case: Case) -> dict[str, Any]:
        return self.api.call_kwargs(self.key)

    def after_call(self, response: schemathesis.Response, case: Case) -> None:
        super().after_call(response, case)
        self.answered[(case.operation.label, response.status_code)] += 1

    def validate_response(
        self,
        response: schemathesis.Response,
        case: Case,
        additional_checks: Any = None,
        **kwargs: Any,
    ) -> None:
        case.validate_response(response, transport_kwargs=kwargs, recorder=self.recorder, **CHECKS)


def test_workflows_follow_the_document(live_api: LiveApi) -> None:
    PartnerWorkflows.api = live_api
    PartnerWorkflows.run(settings=_settings(WORKFLOWS))
    reached = {label for (label, status), _ in PartnerWorkflows.answered.items() if 200 <= status < 300}
    # The workflows got past validation to the claim's own operations, not only to their 404s and 422s.
    assert {"POST /api/claims", "GET /api/claims/{claim_id}", "PATCH /api/claims/{claim_id}"} <= reached, (
        sorted(PartnerWorkflows.answered.items())
    )
    assert "POST /api/claims/{claim_id}/notifications" in reached, sorted(PartnerWorkflows.answered.items())


# --- the harness itself -------------------------------------------------------------------------------


def test_a_mismatch_fails_with_the_request_that_shows_it() -> None:
    """Against an app that breaks the document, the same call and checks fail, and say how to repeat
    the request (the key left out)."""

    async def broken_workloads(request: web.Request) -> web.Response:
        return web.json_response({"items": "not a list"})

    app = web.Application()
    app.router.add_get("/api/workloads", broken_workloads)
    server = _Server(app)
    api = LiveApi(server.start(), "cpor_not_a_real_key", lambda: "")
    try:
        case = schema["/api/workloads"]["GET"].Case()
        with pytest.raises(FailureGroup) as failed:
            case.call_and_validate(**api.call_kwargs(), **CHECKS)
    finally:
        server.stop()
    report = str(failed.value)
    assert "Response violates schema" in report
    assert f"curl -X GET -H 'Authorization: [Filtered]' {api.base_url}/api/workloads" in report
    assert "cpor_not_a_real_key" not in report
