"""How long the card builders take, and how large the cards get.

    python bench/cards.py               # a table
    python bench/cards.py --json        # one JSON object
    python bench/cards.py --repeats 50  # more repeats (default 20)

Every repeat builds every card variant (`cards.samples.recipes()`: kinds x hosts x locales x
samples) once. Per kind it reports the median and p99 build time per card, and a baseline measured
in the same run on the same cards: `json.dumps` of the built card, i.e. what serialising the card
for sending costs. "x dumps" is build time / serialisation time. It also reports the largest card
in bytes (as `json.dumps` sends it) and which variant that is.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from anywhere in the checkout

from cards.samples import Recipe, recipes  # noqa: E402 - after the path fix above


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure(repeats: int) -> dict[str, Any]:
    """Build (and serialise) every variant `repeats` times; return the results as plain data."""
    all_recipes: list[Recipe] = list(recipes())
    for recipe in all_recipes:  # warm up: text catalogues, Babel locale data, caches
        json.dumps(recipe.make())
    build_times: dict[str, list[float]] = defaultdict(list)
    dump_times: dict[str, list[float]] = defaultdict(list)
    largest = (0, "")
    clock = time.perf_counter_ns
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for recipe in all_recipes:
                start = clock()
                card = recipe.make()
                built = clock()
                text = json.dumps(card)
                dumped = clock()
                build_times[recipe.kind].append((built - start) / 1000)
                dump_times[recipe.kind].append((dumped - built) / 1000)
                size = len(text.encode("utf-8"))
                if size > largest[0]:
                    largest = (size, recipe.filename.removesuffix(".json"))
            gc.collect()
    finally:
        if gc_was_enabled:
            gc.enable()

    def summary(builds: list[float], dumps: list[float]) -> dict[str, float | int]:
        median = statistics.median(builds)
        dump_median = statistics.median(dumps)
        return {
            "cards": len(builds) // repeats,
            "build_median_us": round(median, 1),
            "build_p99_us": round(_percentile(builds, 0.99), 1),
            "dumps_median_us": round(dump_median, 1),
            "build_to_dumps": round(median / dump_median, 2) if dump_median else float("nan"),
        }

    every_build = [t for times in build_times.values() for t in times]
    every_dump = [t for times in dump_times.values() for t in times]
    return {
        "python": platform.python_version(),
        "repeats": repeats,
        "variants": len(all_recipes),
        "kinds": {kind: summary(build_times[kind], dump_times[kind]) for kind in build_times},
        "all": summary(every_build, every_dump),
        "largest_card": {"bytes": largest[0], "variant": largest[1]},
    }


def table(result: dict[str, Any]) -> str:
    header = f"{'kind':<16}{'cards':>7}{'median us':>11}{'p99 us':>10}{'dumps us':>10}{'x dumps':>9}"
    lines = [
        f"{result['variants']} variants x {result['repeats']} repeats, Python {result['python']}; "
        "baseline: json.dumps of the same card",
        header,
        "-" * len(header),
    ]
    rows = [*result["kinds"].items(), ("all", result["all"])]
    for kind, row in rows:
        lines.append(
            f"{kind:<16}{row['cards']:>7}{row['build_median_us']:>11.1f}{row['build_p99_us']:>10.1f}"
            f"{row['dumps_median_us']:>10.1f}{row['build_to_dumps']:>9.2f}"
        )
    largest = result["largest_card"]
    lines.append(f"largest card: {largest['bytes']} bytes ({largest['variant']})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeats", type=int, default=20, help="builds of every variant (default 20)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    result = measure(args.repeats)
    print(json.dumps(result) if args.json else table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
