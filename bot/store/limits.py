"""A partner's allowance for notifications, and the error a notification beyond it raises."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from enum import StrEnum

from bot.store.records import StoreError


@dataclass(frozen=True, slots=True)
class NotifyAllowance:
    """What one partner may send: notifications a minute, messages (one per contact and channel) a
    UTC day, and how long before the same claim's contacts may be notified again. Zero: no limit."""

    per_minute: int
    messages_per_day: int
    cooldown: dt.timedelta


class LimitKind(StrEnum):
    RATE = "rate"  # too many notifications this minute
    QUOTA = "quota"  # too many messages today
    COOLDOWN = "cooldown"  # this claim's contacts were notified a moment ago


class LimitReached(StoreError):
    """A notification the partner's allowance does not cover now; nothing was stored."""

    def __init__(self, kind: LimitKind, retry_after: dt.timedelta, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.retry_after = retry_after
        self.detail = detail

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil(self.retry_after.total_seconds()))
