"""The long-running processes' collector settings (bot/ops/heap.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from bot.ops.heap import YOUNG_GENERATION, freeze_startup_objects


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_freezing_takes_the_start_up_heap_out_of_sight_and_collects_the_young_less_often() -> None:
    gc.set_threshold(700, 11, 12)
    gc.unfreeze()
    survivor = [object() for _ in range(10)]

    freeze_startup_objects()

    assert gc.get_freeze_count() > len(survivor)
    assert gc.get_threshold() == (YOUNG_GENERATION, 11, 12)
    assert YOUNG_GENERATION > 700
