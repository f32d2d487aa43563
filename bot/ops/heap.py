"""Short garbage-collection pauses for a long-running process."""

from __future__ import annotations

import gc

# Allocations between two young collections (Python's default is 700). A claim card is about a
# thousand objects, so at the default every card built set off a collection; at this size a send
# costs about 8 % less CPU (bench/fanout.py), and the young generation stays a few MB at most.
YOUNG_GENERATION = 10_000


def freeze_startup_objects() -> None:
    """Take everything alive after start-up (modules, the SDK's tables, settings) out of the
    collector's sight.

    Sending and answering cards allocates fast, so full collections come about once a second. Over
    the start-up heap each took 45 to 65 ms here, long enough to hold back sends that Teams' limits
    had spaced out, which then arrive bunched and are throttled. Frozen, a full collection takes a
    few ms. Young collections run less often too (see YOUNG_GENERATION).
    """
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)
