"""The partner API's bodies as pydantic models: requests strict, with unknown fields refused and the
limits the service enforces; responses as the service writes them. The OpenAPI document's
`components.schemas` are generated from these (`bot.partner_api.components`), and requests are
checked against that document, so the models, the document and the checks cannot drift apart."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

import email_validator
from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema

from bot.domain.claims import Status
from bot.domain.formats import EMAIL_MAX, GUID_PATTERN, MAX_CONTACTS, MESSAGE_MAX, NAME_MAX, REFERENCE_MAX
from bot.partner_api.problems import MAX_REPORTED_ERRORS
from bot.store import Channel, DeliveryKind, DeliveryStatus, ResponseKind

LOCALE_PATTERN = "^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$"
# No control characters (newlines included: C0, DEL, C1 and the Unicode line and paragraph
# separators) in single-line fields.
LINE_PATTERN = "^[^\\u0000-\\u001f\\u007f-\\u009f\\u2028\\u2029]*$"
# Multi-line text: anything a store can keep, so no NUL (PostgreSQL refuses it).
TEXT_PATTERN = "^[^\\u0000]*$"
# Claims per page of GET /api/claims: by default, and at most.
DEFAULT_PAGE = 20
MAX_PAGE = 100
URL_MAX = 2000

Line = Annotated[str, Field(min_length=1, max_length=NAME_MAX, pattern=LINE_PATTERN)]
Locale = Annotated[str, Field(pattern=LOCALE_PATTERN, max_length=35)]
Guid = Annotated[str, Field(pattern=GUID_PATTERN)]
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class Request(BaseModel):
    """A request body: strict types, and a field the API does not know is refused."""

    model_config = ConfigDict(extra="forbid", strict=True)


# Top-level names mail is never delivered to: an address there is refused (`bot.domain.formats.is_email`).
SPECIAL_USE_DOMAINS = tuple(sorted(email_validator.SPECIAL_USE_DOMAIN_NAMES))


class ContactInput(Request):
    name: Line
    email: Annotated[
        str,
        Field(
            max_length=EMAIL_MAX,
            json_schema_extra={"format": "email"},
            description="An address mail can be sent to: no display name, quoted local part or IP "
            "literal, no letters outside ASCII before the @ (a domain may have them), and not under a "
            "special-use domain (" + ", ".join(f".{name}" for name in SPECIAL_USE_DOMAINS) + ").",
        ),
    ]
    aad_object_id: (
        Annotated[
            Guid,
            Field(
                description="The contact's Microsoft Entra object id, if known: matches the Teams user "
                "exactly. Without it the contact is matched by email."
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    locale: Locale | SkipJsonSchema[None] = None


class ClaimCreate(Request):
    customer_tenant_id: Annotated[
        Guid, Field(description="The customer's Microsoft Entra tenant id, as on the claim.")
    ]
    customer_name: Line
    # The areas and workloads come from the catalog: `components` fills in their enums and counts.
    solution_area: str
    workloads: Annotated[
        list[str],
        Field(
            min_length=1,
            json_schema_extra={"uniqueItems": True},
            description="Workload ids from GET /api/workloads, all in the solution area.",
        ),
    ]
    contacts: Annotated[list[ContactInput], Field(min_length=1, max_length=MAX_CONTACTS)]
    status: Status = Status.SUBMITTED
    submitted_on: dt.date | SkipJsonSchema[None] = None
    partner_reference: (
        Annotated[
            str,
            Field(
                min_length=1,
                max_length=REFERENCE_MAX,
                pattern=LINE_PATTERN,
                description="Your own reference for the claim, e.g. the Partner Center claim id.",
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    message: (
        Annotated[
            str,
            Field(
                max_length=MESSAGE_MAX,
                pattern=TEXT_PATTERN,
                description="A short note to the customer, shown on the card as yours.",
            ),
        ]
        | SkipJsonSchema[None]
    ) = None
    locale: Locale | SkipJsonSchema[None] = None


class ClaimUpdate(Request):
    status: Annotated[
        Status,
        Field(
            description="The new status, as Partner Center now shows it. Only the transitions Partner "
            "Center allows are accepted (409 otherwise)."
        ),
    ]


class NotificationCreate(Request):
    channel: (
        Annotated[
            Literal[Channel.TEAMS, Channel.EMAIL, Channel.BOTH],
            Field(
                description="Where the card goes. Left out: Teams for contacts who have the app, email "
                "for the others."
            ),
        ]
        | SkipJsonSchema[None]
    ) = None


class WebhookSet(Request):
    url: Annotated[str, Field(max_length=URL_MAX, json_schema_extra={"format": "uri"})]


class Empty(Request):
    """No fields: an empty object (or no body at all)."""


# --- responses ---------------------------------------------------------------------------------------


class Workload(BaseModel):
    id: str
    name: str
    plain: str
    solution_area: str


class WorkloadList(BaseModel):
    items: list[Workload]


class ContactLink(BaseModel):
    url: Annotated[
        str,
        Field(
            description="The contact's own page about this claim, /c/{token}: whoever holds it sees the "
            "claim and answers as this contact. Send it to this contact only; never log it."
        ),
    ]
    expires_at: Timestamp


class Contact(BaseModel):
    id: str
    name: str
    email: str
    aad_object_id: str | None
    locale: str | None
    link: Annotated[
        ContactLink | None,
        Field(description="In GET /api/claims/{id} only, a new link with each answer; not in lists."),
    ] = None


class Delivery(BaseModel):
    id: str
    notification_id: str | None
    contact_id: str | None
    channel: Literal[Channel.TEAMS, Channel.EMAIL]
    kind: Annotated[
        DeliveryKind,
        Field(
            description="claim: the claim card; status: a status-changed message; update: a sent claim "
            "card replaced in place; partner: a message to a linked partner user about a customer "
            "response."
        ),
    ]
    status: Annotated[
        DeliveryStatus,
        Field(
            description="waiting: the contact has not installed the bot yet; unknown: the send was "
            "interrupted and may or may not have arrived."
        ),
    ]
    attempts: int
    activity_id: str | None
    last_error: str | None
    created_at: Timestamp
    updated_at: Timestamp
    sent_at: Timestamp | None


class Response(BaseModel):
    id: str
    kind: ResponseKind
    user_name: str | None
    contact_id: str | None
    channel: str
    text: Annotated[str | None, Field(description="The question, for kind question.")]
    created_at: Timestamp


class Claim(BaseModel):
    id: str
    customer_tenant_id: str
    customer_name: str
    solution_area: str
    workloads: list[Workload]
    status: Status
    submitted_on: dt.date
    partner_reference: str | None
    message: str | None
    locale: str | None
    contacts: list[Contact]
    deliveries: Annotated[list[Delivery], Field(description="In the claim itself, not in lists.")] = []
    responses: Annotated[list[Response], Field(description="In the claim itself, not in lists.")] = []
    created_at: Timestamp
    updated_at: Timestamp


class ClaimList(BaseModel):
    items: list[Claim]
    next_cursor: str | None


class Notification(BaseModel):
    notification_id: str
    claim_id: str
    deliveries: list[Delivery]


class LinkCode(BaseModel):
    code: str
    expires_at: Timestamp
    instructions: str


class WebhookEvent(BaseModel):
    id: str
    claim_id: str
    type: str
    status: Literal[DeliveryStatus.QUEUED, DeliveryStatus.SENDING, DeliveryStatus.SENT, DeliveryStatus.FAILED]
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: Timestamp
    delivered_at: Timestamp | None


class ResponseEventClaim(BaseModel):
    status: Annotated[Status, Field(description="The claim's status when the customer responded.")]
    customer_name: str


class ResponseEvent(BaseModel):
    """The body POSTed to the partner's webhook for each customer response."""

    id: Annotated[
        str, Field(description="The event's id, the same as X-CPOR-Event-Id: stable across retries.")
    ]
    type: Literal["customer.response"]
    claim_id: str
    claim: ResponseEventClaim
    response: Response


class Webhook(BaseModel):
    url: str
    secret: Annotated[
        str,
        Field(
            description="Only in the answer to PUT. Verify each POST: X-CPOR-Signature is "
            "v1=hex(HMAC-SHA256(secret, X-CPOR-Timestamp + '.' + raw body)); refuse timestamps more "
            "than 5 minutes old; X-CPOR-Event-Id is stable across retries."
        ),
    ] = ""
    created_at: Timestamp
    updated_at: Timestamp
    events: Annotated[list[WebhookEvent], Field(description="The 50 latest deliveries, newest first.")] = []


class FieldProblem(BaseModel):
    field: str
    detail: str


class Problem(BaseModel):
    type: str
    title: str
    status: int
    detail: str
    instance: str | SkipJsonSchema[None] = None
    field: Annotated[str, Field(description="The first field at fault.")] | SkipJsonSchema[None] = None
    errors: Annotated[
        list[FieldProblem],
        Field(
            description=f"The fields at fault, the first {MAX_REPORTED_ERRORS} at most (see errors_omitted)."
        ),
    ] = []
    errors_omitted: (
        Annotated[int, Field(ge=1, description="How many more fields are at fault than `errors` lists.")]
        | SkipJsonSchema[None]
    ) = None


class Health(BaseModel):
    """GET /healthz: the process answers."""

    status: str
    version: str


class Readiness(BaseModel):
    """GET /readyz: whether the service can do its work, and if not, why."""

    status: str
    version: str
    store: dict[str, object]
    schema_needed: str
    workers: dict[str, bool]
    problems: list[str]


REQUESTS: tuple[type[BaseModel], ...] = (
    ContactInput,
    ClaimCreate,
    ClaimUpdate,
    NotificationCreate,
    WebhookSet,
    Empty,
)
RESPONSES: tuple[type[BaseModel], ...] = (
    Workload,
    WorkloadList,
    ContactLink,
    Contact,
    Delivery,
    Response,
    Claim,
    ClaimList,
    Notification,
    LinkCode,
    WebhookEvent,
    ResponseEvent,
    Webhook,
    FieldProblem,
    Problem,
    Health,
    Readiness,
)
