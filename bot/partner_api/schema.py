"""Request bodies checked against the partner API's OpenAPI schema, with a short sentence for each
field at fault. Used by the API, the Teams claim form and the bulk command alike."""

from __future__ import annotations

from typing import Any, TypeVar

from jsonschema import ValidationError
from pydantic import BaseModel

from bot.domain.formats import GUID_PATTERN
from bot.domain.json_input import JsonInputError, check_tree
from bot.domain.validation import FieldError, InvalidRequest, field_path
from bot.partner_api.components import LINE_PATTERN, LOCALE_PATTERN
from bot.partner_api.openapi import request_validator

Model = TypeVar("Model", bound=BaseModel)


def parse(body: dict[str, Any], model: type[Model]) -> Model:
    """`body` checked against the schema generated from `model` (an InvalidRequest names every field
    at fault, in the API's words), then as that model."""
    check(body, model.__name__)
    return model.model_validate(body, strict=False)  # the schema has held it to the exact types


def check(body: dict[str, Any], schema_name: str) -> None:
    """Validate against the OpenAPI schema; an InvalidRequest lists every field at fault. Text no
    store can keep (NUL, lone surrogates) is refused first, whatever the field, on either engine."""
    try:
        check_tree(body)
    except JsonInputError as exc:
        raise InvalidRequest([FieldError(exc.where or "(body)", exc.detail)]) from None
    errors = sorted(request_validator(schema_name).iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        raise InvalidRequest(_field_errors(errors))


def _field_errors(errors: list[ValidationError]) -> list[FieldError]:
    """One FieldError per failed keyword; a list of allowed values is given once, at the first field
    that needs it: 6,500 unknown workload ids must not repeat the catalogue 6,500 times."""
    out: list[FieldError] = []
    listed: dict[str, str] = {}  # an enum's sentence -> the first field it was given for
    for error in errors:
        for found in _field_error(error):
            if error.validator == "enum":
                first = listed.setdefault(found.detail, found.field)
                if first != found.field:
                    found = FieldError(found.field, f"must be one of the values listed for {first}")
            out.append(found)
    return out


def _field_error(error: ValidationError) -> list[FieldError]:
    """The fields one failed keyword is about: one, or each unknown field of an object."""
    path: list[str | int] = list(error.absolute_path)
    kind = error.validator
    value = error.validator_value
    if kind == "required":
        missing = error.message.split("'")[1]
        return [FieldError(field_path([*path, missing]), "is required")]
    if kind == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return [FieldError(field_path([*path, name]), "is not a known field") for name in extra]
    return [FieldError(field_path(path) or "(body)", _describe(str(kind), value, error.message))]


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
            return "must be a valid email address" if value == "email" else f"must be a valid {value}"
    return fallback


def _pattern_message(pattern: str) -> str:
    return {
        GUID_PATTERN: "must be a GUID such as 00000000-0000-0000-0000-000000000000",
        LINE_PATTERN: "must be a single line without control characters",
        LOCALE_PATTERN: "must be a language tag such as en-US",
    }.get(pattern, "has an invalid format")
