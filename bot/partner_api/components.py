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


def _tidy(node: Any, *, field_names: bool = False) -> Any:
    """Without pydantic's generated titles and `null` defaults: the document says what it means. The
    keys of `properties` are field names, kept whatever they are (a problem's `title` is a field)."""
    if isinstance(node, dict):
        if field_names:
            return {key: _tidy(value) for key, value in node.items()}
        return {
            key: _tidy(value, field_names=key == "properties")
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
    create = found["ClaimCreate"]
    create["properties"]["solution_area"] = {"type": "string", "enum": sorted(cat.areas)}
    create["properties"]["workloads"]["items"] = {"type": "string", "enum": sorted(cat.workloads)}
    create["properties"]["workloads"]["maxItems"] = len(cat.workloads)
    create["examples"] = [example_claim()]
    return found


def example_claim() -> dict[str, Any]:
    """A claim the API accepts, from the catalog: the first area's first workload."""
    cat = catalog()
    area = sorted(cat.areas)[0]
    return {
        "customer_tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "customer_name": "Fabrikam Ltd",
        "solution_area": area,
        "workloads": [cat.in_area(area)[0].id],
        "contacts": [{"name": "Megan Bowen", "email": "megan.bowen@fabrikam.example", "locale": "en-GB"}],
        "status": "submitted",
        "partner_reference": "PC-CLAIM-20931",
        "message": "We helped your team roll out these services.",
    }
