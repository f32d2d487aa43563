"""Request validation shared by the partner API and the Teams claim form: the OpenAPI schema first,
then the rules a schema cannot express. Errors are Problems that name every field at fault."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from jsonschema import ValidationError

from bot.claims import Claim, Contact, Status
from bot.openapi import GUID_PATTERN, LINE_PATTERN, LOCALE_PATTERN, request_validator
from bot.problems import FieldError, Problem
from bot.workloads import catalog


def check(body: dict[str, Any], schema_name: str) -> None:
    """Validate against the OpenAPI schema; a Problem 422 lists every field at fault."""
    errors = sorted(request_validator(schema_name).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        field_errors = [_field_error(e) for e in errors]
        raise Problem(422, "The request has invalid fields.", errors=field_errors)


def field_path(parts: list[str | int]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field_error(error: ValidationError) -> FieldError:
    path: list[str | int] = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1]
        return FieldError(field_path([*path, missing]), "is required")
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return FieldError(field_path([*path, extra[0]]), "is not a known field")
    return FieldError(field_path(path) or "(body)", _describe(str(kind), value, error.message))


def _describe(kind: str, value: Any, fallback: str) -> str:
    """A short, human sentence for one failed JSON Schema keyword."""
    match kind:
        case "type":
            return f"must be of type {value}"
        case "minLength":
            return "must not be empty" if value == 1 else f"must be at least {value} characters"
        case "maxLength":
            return f"must be at most {value} characters"
        case "minItems":
            return f"must have at least {value} item(s)"
        case "maxItems":
            return f"must have at most {value} items"
        case "uniqueItems":
            return "must not repeat an item"
        case "enum":
            return f"must be one of: {', '.join(map(str, value))}"
        case "pattern":
            return _pattern_message(str(value))
        case "format":
            return f"must be a valid {value}"
    return fallback


def _pattern_message(pattern: str) -> str:
    return {
        GUID_PATTERN: "must be a GUID such as 00000000-0000-0000-0000-000000000000",
        LINE_PATTERN: "must be a single line without control characters",
        LOCALE_PATTERN: "must be a language tag such as en-US",
    }.get(pattern, "has an invalid format")


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
    seen: dict[str, int] = {}
    for index, contact in enumerate(body["contacts"]):
        email = contact["email"].strip().lower()
        if email in seen:
            errors.append(FieldError(f"contacts[{index}].email", f"repeats contacts[{seen[email]}].email"))
        seen.setdefault(email, index)
        local, _, domain = email.partition("@")
        if not local or "." not in domain or " " in email:
            errors.append(FieldError(f"contacts[{index}].email", "must be a valid email address"))
    submitted_on = now.date()
    if "submitted_on" in body:
        submitted_on = dt.date.fromisoformat(body["submitted_on"])
        if submitted_on > now.date() + dt.timedelta(days=1):
            errors.append(FieldError("submitted_on", "must not be in the future"))
    if errors:
        raise Problem(422, "The request has invalid fields.", errors=errors)
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
        partner_reference=body.get("partner_reference"),
        message=body.get("message") or None,
        locale=body.get("locale"),
    )
