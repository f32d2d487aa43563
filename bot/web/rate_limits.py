"""How often one link may post its forms: a sliding window per token, in this process's memory.

Enough to stop a script hammering one link; each instance counts for itself, and a restart forgets.
"""

from __future__ import annotations

import math
from collections import deque


class PostLimit:
    """At most `limit` posts per token in any `window` seconds."""

    def __init__(self, limit: int = 10, window: float = 60.0, *, max_tokens: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self._max_tokens = max_tokens  # beyond it, tokens with nothing recent are forgotten
        self._posts: dict[str, deque[float]] = {}

    def retry_after(self, token: str, now: float) -> int:
        """0 and the post counted when it may go ahead; else the whole seconds until it may."""
        posts = self._posts.setdefault(token, deque())
        while posts and posts[0] <= now - self.window:
            posts.popleft()
        if len(posts) >= self.limit:
            return max(1, math.ceil(posts[0] + self.window - now))
        posts.append(now)
        if len(self._posts) > self._max_tokens:
            self._forget_idle(now)
        return 0

    def _forget_idle(self, now: float) -> None:
        idle = [t for t, posts in self._posts.items() if not posts or posts[-1] <= now - self.window]
        for token in idle:
            del self._posts[token]
