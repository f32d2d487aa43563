"""The OpenAPI document's `components.schemas`, generated from the pydantic models in
`bot.partner_api.models` (requests as validated, responses as written), with the lists that come
from the workload catalog filled in."""

from __future__ import annotations

from typing import Any, Literal

from pydantic.json_schema import models_json_schema

from bot.domain.workloads import catalog
from bot.partner_api.models import LINE_PATTERN, LOCALE_PATTERN, REQUESTS, RESPONSES

__all__ = ["LINE_PATTERN", "LOCALE_PATTERN", "schemas"]

_REF = "#/components/schemas/{model}"


def _tidy(node: Any) -> Any:
    """Without pydantic's generated titles and `null` defaults: the document says what it means."""
    if isinstance(node, dict):
        return {
            key: _tidy(value)
            for key, value in node.items()
            if key != "title" and not (key == "default" and value is None)
        }
    if isinstance(node, list):
        return [_tidy(value) for value in node]
    return node


def schemas() -> dict[str, Any]:
    """Every request and response schema of the partner API, by name."""
    modes: list[tuple[Any, Literal["validation", "serialization"]]] = [
        *((model, "validation") for model in REQUESTS),
        *((model, "serialization") for model in RESPONSES),
    ]
    _, generated = models_json_schema(modes, ref_template=_REF)
    found: dict[str, Any] = _tidy(generated["$defs"])
    cat = catalog()
    create = found["ClaimCreate"]["properties"]
    create["solution_area"] = {"type": "string", "enum": sorted(cat.areas)}
    create["workloads"]["maxItems"] = len(cat.workloads)
    return found
