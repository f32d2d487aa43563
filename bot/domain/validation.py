"""The claim rules a request schema cannot express, shared by the partner API, the Teams claim form
and the bulk command (the schema itself is the partner API's: `bot.partner_api.schema`). Errors are
an `InvalidRequest` that names every field at fault; the partner API turns it into a 422 problem."""

from __future__ import annotations

import datetime as dt
import unicodedata
import uuid
from dataclasses import dataclass
from typing import Any

from bot.domain.claims import Claim, Contact, Status
from bot.domain.formats import is_email
from bot.domain.workloads import catalog

INVALID_FIELDS = "The request has invalid fields."


@dataclass(frozen=True, slots=True)
class FieldError:
    """One field at fault: its path ("contacts[0].email") and what is wrong with it."""

    field: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"field": self.field, "detail": self.detail}


class InvalidRequest(ValueError):
    """A request (API body, form or bulk row) with fields at fault; every one is listed."""

    def __init__(self, errors: list[FieldError], detail: str = INVALID_FIELDS) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors


def shows_nothing(text: str) -> bool:
    """True if `text` would show nothing: only spaces, controls and invisible format characters
    (zero-width spaces, joiners, bidi controls)."""
    return all(ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf") for ch in text)


def field_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def claim_from_request(body: dict[str, Any], *, partner_id: str, now: dt.datetime) -> Claim:
    """Build a claim from a schema-valid body, applying the rules a schema cannot express."""
    cat = catalog()
    area = body["solution_area"]
    errors: list[FieldError] = []
    for index, workload_id in enumerate(body["workloads"]):
        workload = cat.workloads.get(workload_id)
        if workload is None:
            errors.append(FieldError(f"workloads[{index}]", f"unknown workload {workload_id!r}"))
        elif workload.area != area:
            errors.append(
                FieldError(
                    f"workloads[{index}]",
                    f"{workload_id!r} belongs to solution area {workload.area!r}, not {area!r}",
                )
            )
    if shows_nothing(body["customer_name"]):
        errors.append(FieldError("customer_name", "must not be blank"))
    seen: dict[str, int] = {}
    seen_aad: dict[str, int] = {}
    for index, contact in enumerate(body["contacts"]):
        if shows_nothing(contact["name"]):
            errors.append(FieldError(f"contacts[{index}].name", "must not be blank"))
        email = contact["email"].strip().lower()
        if email in seen:
            errors.append(FieldError(f"contacts[{index}].email", f"repeats contacts[{seen[email]}].email"))
        seen.setdefault(email, index)
        if not is_email(email):  # the schema checks this too; a form or bulk row may skip it
            errors.append(FieldError(f"contacts[{index}].email", "must be a valid email address"))
        # One person, one contact: two with one Entra object id would share every answer and card.
        aad = (contact.get("aad_object_id") or "").strip().lower()
        if aad and aad in seen_aad:
            errors.append(
                FieldError(
                    f"contacts[{index}].aad_object_id", f"repeats contacts[{seen_aad[aad]}].aad_object_id"
                )
            )
        if aad:
            seen_aad.setdefault(aad, index)
    submitted_on = now.date()
    if "submitted_on" in body:
        submitted_on = dt.date.fromisoformat(body["submitted_on"])
        if submitted_on > now.date() + dt.timedelta(days=1):
            errors.append(FieldError("submitted_on", "must not be in the future"))
    if errors:
        raise InvalidRequest(errors)
    return Claim(
        id=str(uuid.uuid4()),
        partner_id=partner_id,
        customer_tenant_id=body["customer_tenant_id"].lower(),
        customer_name=body["customer_name"].strip(),
        solution_area=area,
        workloads=tuple(body["workloads"]),
        status=Status(body.get("status", Status.SUBMITTED.value)),
        submitted_on=submitted_on,
        created_at=now,
        updated_at=now,
        contacts=tuple(
            Contact(
                id=str(uuid.uuid4()),
                name=c["name"].strip(),
                email=c["email"].strip(),
                aad_object_id=c.get("aad_object_id", "").lower() or None,
                locale=c.get("locale"),
            )
            for c in body["contacts"]
        ),
        partner_reference=(body.get("partner_reference") or "").strip() or None,
        message=(body.get("message") or "").strip() or None,
        locale=body.get("locale"),
    )
