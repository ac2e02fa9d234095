"""The rate limit's cost: the request log's read mix with the limit on (as by default) and off.

Measured in the request log's rotation (scenarios/requestlog.py), so no extra windows of their
own: its two log-off servers count the limit as by default (in memory, flushed once a second
per token), and one more server, alike but with the limit off, takes its turn among them. The
ratio is both limit-on servers' rate over the limit-off one's; the two limit-on servers against
each other are the measurement's own spread, printed beside it.
"""

from __future__ import annotations

from bench.context import Context
from bench.report import on_off_row
from bench.stats import rate_of

LIMIT_OFF = "limit off"
SCENARIO = "rate limit on / off, requests/s"


def add_rate_limit_row(ctx: Context, data: str, totals: dict[str, list[float]], mix: str) -> None:
    """``totals``: (requests, seconds) of the rotation's servers; ``off`` and ``control`` have
    the log off and the limit on, ``LIMIT_OFF`` both off."""
    on, off = rate_of(totals["off"], totals["control"]), rate_of(totals[LIMIT_OFF])
    control_ratio = rate_of(totals["control"]) / rate_of(totals["off"])
    ctx.rows.append(on_off_row(ctx.engine, data, SCENARIO, (on, off), ("on/on", control_ratio)))
    ctx.notes.append(
        f"{ctx.engine}: rate limit: the request-log mix ({mix}) on two servers counting the "
        f"limit as by default against one with it off (all three with the request log off), in "
        f"the same rotation; the two limit-on servers against each other: {control_ratio:.3f}"
    )
