"""What tickets cost (issue #26): one ticket's usage and a 200-ticket board's, at every size.

``GET /api/projects/{id}/tickets/{n}/usage`` cycles over the board's 200 tickets (its totals and
breakdowns by agent, person and model) and ``GET /api/projects/{id}/usage`` reads the whole
board at once. Both read the ticket rollups, never the log, so they must stay flat as the log
grows: at a later size at most 1.5x their p99 at the first.
"""

from __future__ import annotations

import uuid

from bench.context import Context, reason
from bench.ledger import BOARD_TICKETS
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_ms

TARGET_MS = 10.0
GROWTH = 1.5
TICKET = f"ticket usage, 1 of a {BOARD_TICKETS}-ticket board"
BOARD = f"board usage, {BOARD_TICKETS} tickets"


async def board_size(ctx: Context) -> str:
    """How much the board holds: its attributed records and its intervals."""
    project = uuid.UUID(ctx.world.ledger["project_id"])
    records = await ctx.store.fetch(
        "SELECT count(*) FROM activity_records WHERE org_id = ? AND ticket_id IS NOT NULL",
        [uuid.UUID(ctx.world.org_id)],
    )
    intervals = await ctx.store.fetch(
        "SELECT count(*) FROM work_intervals WHERE project_id = ?", [project]
    )
    return f"board: {int(records[0][0]):,} records, {int(intervals[0][0]):,} intervals"


async def measure_ticket_usage(ctx: Context, records: int, first_p99: dict[str, float]) -> None:
    """Both rows at ``records`` records; ``first_p99`` carries each one's p99 at the first size."""
    data = f"{records:,} records"
    project = ctx.world.ledger["project_id"]
    paths = {
        TICKET: [f"/api/projects/{project}/tickets/{n}/usage" for n in range(1, BOARD_TICKETS + 1)],
        BOARD: [f"/api/projects/{project}/usage"],
    }
    probe = await ctx.probe("GET", paths[TICKET][0])
    if not probe.is_success:
        for name in paths:
            target = f"p99 ≤ {TARGET_MS:g} ms"
            ctx.rows.append(not_available(ctx.engine, data, name, reason(probe), target))
        return
    size = await board_size(ctx)
    phases = [[{"method": "GET", "path": path} for path in group] for group in paths.values()]
    results = await ctx.latency(*phases, count=ctx.sizes.latency_samples)
    for name, result in zip(paths, results, strict=True):
        http = Latency.of(result["latencies_ms"])
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                name,
                http.text(),
                size,
                "",
                f"p99 ≤ {TARGET_MS:g} ms",
                verdict(http.p99 <= TARGET_MS),
                {"p50_ms": http.p50, "p99_ms": http.p99},
            )
        )
        growth(ctx, data, name, http.p99, first_p99)


def growth(ctx: Context, data: str, name: str, p99: float, first: dict[str, float]) -> None:
    """Flat as the log grows: at a later size at most 1.5x the p99 of the first."""
    if name not in first:
        first[name] = p99
        return
    ratio = p99 / first[name]
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            f"{name}: growth",
            f"p99 {fmt_ms(p99)}",
            f"p99 {fmt_ms(first[name])} at the first size",
            f"{ratio:.2f}x",
            f"≤ {GROWTH:g}x the first size",
            verdict(ratio <= GROWTH),
            {"ratio": ratio},
        )
    )
