"""One instant, in UTC: how both request families read a time they were sent."""

from __future__ import annotations

from datetime import UTC, datetime


def to_utc(value: datetime) -> datetime | None:
    """``value`` in UTC (a time without an offset is taken as UTC already), or None when its UTC
    time falls outside years 1-9999, which ``datetime`` cannot hold: 0001-01-01T00:00:00+01:00
    makes ``astimezone`` raise OverflowError, a 500 if it escaped. Each family words the refusal
    in its own error format."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return None
