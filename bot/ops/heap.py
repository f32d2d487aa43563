"""Short garbage-collection pauses for a long-running process."""

from __future__ import annotations

import gc


def freeze_startup_objects() -> None:
    """Take everything alive after start-up (modules, the SDK's tables, settings) out of the
    collector's sight.

    Sending and answering cards allocates fast, so full collections come about once a second. Over
    the start-up heap each took 45 to 65 ms here, long enough to hold back sends that Teams' limits
    had spaced out, which then arrive bunched and are throttled. Frozen, a full collection takes a
    few ms.
    """
    gc.collect()
    gc.freeze()
