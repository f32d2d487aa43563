"""The workload catalog (bot/domain/workloads.toml) as typed, read-only data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class SolutionArea:
    id: str
    name: str
    plain: str


@dataclass(frozen=True, slots=True)
class Workload:
    id: str
    name: str
    plain: str
    area: str
    fact: int


@dataclass(frozen=True, slots=True)
class Catalog:
    areas: dict[str, SolutionArea]
    workloads: dict[str, Workload]

    def in_area(self, area_id: str) -> list[Workload]:
        return [w for w in self.workloads.values() if w.area == area_id]


def parse_catalog(text: str) -> Catalog:
    """Parse and check a catalog document; raise ValueError naming the bad entry."""
    data = tomllib.loads(text)
    areas = {
        key: SolutionArea(id=key, name=value["name"], plain=value["plain"])
        for key, value in data.get("areas", {}).items()
    }
    workloads: dict[str, Workload] = {}
    for index, entry in enumerate(data.get("workload", [])):
        workload = Workload(
            id=entry["id"],
            name=entry["name"],
            plain=entry["plain"],
            area=entry["area"],
            fact=int(entry["fact"]),
        )
        if workload.area not in areas:
            raise ValueError(f"workload[{index}] {workload.id!r}: unknown area {workload.area!r}")
        if workload.id in workloads:
            raise ValueError(f"workload[{index}]: duplicate id {workload.id!r}")
        workloads[workload.id] = workload
    if not workloads:
        raise ValueError("the catalog lists no workloads")
    return Catalog(areas=areas, workloads=workloads)


@cache
def catalog() -> Catalog:
    """The catalog shipped with the service."""
    return parse_catalog(resources.files("bot.domain").joinpath("workloads.toml").read_text(encoding="utf-8"))
