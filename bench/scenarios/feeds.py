"""Feed pages, search and summaries of file 004, each next to the same query as raw SQL.

The raw SQL is what the answer needs at least: the page's rows by the feed index (``limit + 1``
of them, to know ``has_more``), or the summary window's hourly rollup rows. The deep page is
reached by walking ``next_cursor`` from the first page, as a client would.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bench import rawsql
from bench.context import Context, raw_latency, reason
from bench.report import Row, not_available, verdict
from bench.stats import Latency, fmt_ms

SEARCH = {"action": "execute", "resource_type": "augmentation", "status": "success"}
WALK_LIMIT = 200


@dataclass
class Scenario:
    name: str
    path: str
    params: dict[str, Any]
    raw: Callable[[], Awaitable[Any]]
    target_ms: float | None  # p99 target, if the issue sets one
    target: str = ""


async def deep_cursor(ctx: Context, path: str, depth: int) -> str | None:
    """The cursor ``depth`` records into the feed, walked as a client would follow
    ``next_cursor`` (in pages of 200, the most the API gives: a cursor marks a position, not a
    page size, and the walk is set-up, not measured)."""
    cursor: str | None = None
    walked = 0
    async with ctx.http() as http:
        while walked < depth:
            params: dict[str, Any] = {"limit": min(WALK_LIMIT, depth - walked)}
            if cursor:
                params["cursor"] = cursor
            response = await http.get(path, params=params)
            body = response.json() if response.is_success else {}
            if not body.get("has_more") or not body.get("next_cursor"):
                ctx.notes.append(f"{ctx.engine}: the feed ended after {walked:,} records")
                return cursor
            cursor = body["next_cursor"]
            walked += len(body["activities"])
    return cursor


def scenarios(ctx: Context, deep: str | None, boundary: list[Any]) -> list[Scenario]:
    """The five queries, each with the raw SQL the service runs for it (see bench/rawsql.py)."""
    org = uuid.UUID(ctx.world.org_id)
    workspace = ctx.world.workspace_ids[0]
    limit = ctx.sizes.page_limit
    store = ctx.store
    feed = f"/v1/orgs/{org}/activity"
    org_scope = {"org_id": org, "scope_type": "org", "scope_id": str(org)}
    workspace_scope = {**org_scope, "scope_type": "workspace", "scope_id": workspace}
    search = {
        "org_id": org,
        "workspace_id": workspace,
        "action": SEARCH["action"],
        "resource_type": SEARCH["resource_type"],
        "success": True,
    }
    dimensions = {"action": SEARCH["action"], "resource_type": SEARCH["resource_type"]}

    async def feed_raw(after: list[Any] | None) -> None:
        await rawsql.page(store, {"org_id": org}, limit, after)
        await rawsql.rollup_groups(store, org_scope)  # the page's total

    async def search_raw() -> None:
        await rawsql.page(store, search, limit)
        await rawsql.rollup_groups(store, workspace_scope, dimensions=dimensions)

    def summary_raw(hours: int) -> Callable[[], Awaitable[Any]]:
        async def run() -> None:
            now = datetime.now(UTC)
            await rawsql.summary_stats(store, org_scope, {"org_id": org}, now, hours)

        return run

    deep_params: dict[str, Any] = {"limit": limit, **({"cursor": deep} if deep else {})}
    depth = f"{ctx.sizes.deep_pages:,} pages deep"
    summary = f"{feed}/summary"
    return [
        Scenario("feed, first page", feed, {"limit": limit}, lambda: feed_raw(None), 10.0),
        Scenario(f"feed, {depth}", feed, deep_params, lambda: feed_raw(boundary), 10.0),
        Scenario(
            "search, 3 filters",
            f"/v1/orgs/{org}/workspaces/{workspace}/activity/search",
            {**SEARCH, "limit": limit},
            search_raw,
            50.0,
        ),
        Scenario("summary, 24 h", summary, {"hours": 24}, summary_raw(24), None),
        Scenario("summary, 168 h", summary, {"hours": 168}, summary_raw(168), 10.0),
    ]


async def measure_feeds(ctx: Context, records: int, first_summary_p99: list[float]) -> None:
    """The query rows at ``records`` records; ``first_summary_p99`` carries the first step's."""
    data = f"{records:,} records"
    org = ctx.world.org_id
    limit = ctx.sizes.page_limit
    feed = f"/v1/orgs/{org}/activity"
    probe = await ctx.probe("GET", feed, params={"limit": limit})
    if not probe.is_success:
        for scenario in scenarios(ctx, None, []):
            target = f"p99 ≤ {scenario.target_ms:g} ms" if scenario.target_ms else ""
            ctx.rows.append(not_available(ctx.engine, data, scenario.name, reason(probe), target))
        return
    deep = await deep_cursor(ctx, feed, ctx.sizes.deep_pages * limit)
    offset = ctx.sizes.deep_pages * limit - 1
    boundary_sql = (
        "SELECT timestamp, id FROM activity_records WHERE org_id = ? "
        "ORDER BY timestamp DESC, id DESC LIMIT 1 OFFSET ?"
    )
    found = await ctx.store.fetch(boundary_sql, [uuid.UUID(org), offset])
    boundary = list(found[0]) if found else [datetime.now(UTC), uuid.UUID(int=0)]
    measured: list[Scenario] = []
    for scenario in scenarios(ctx, deep, boundary):
        check = await ctx.probe("GET", scenario.path, params=scenario.params)
        if check.is_success:
            measured.append(scenario)
        else:
            target = f"p99 ≤ {scenario.target_ms:g} ms" if scenario.target_ms else ""
            ctx.rows.append(not_available(ctx.engine, data, scenario.name, reason(check), target))
    phases = [[{"method": "GET", "path": s.path, "params": s.params}] for s in measured]
    results = await ctx.latency(*phases, count=ctx.sizes.latency_samples)
    for scenario, result in zip(measured, results, strict=True):
        http = Latency.of(result["latencies_ms"])
        raw = await raw_latency(scenario.raw, ctx.sizes.latency_samples)
        ctx.rows.append(
            Row(
                ctx.engine,
                data,
                scenario.name,
                http.text(),
                raw.text(),
                f"{http.p99 / raw.p99:.0f}x raw" if raw.p99 > 0 else "",
                f"p99 ≤ {scenario.target_ms:g} ms" if scenario.target_ms else "",
                verdict(http.p99 <= scenario.target_ms) if scenario.target_ms else "",
                {
                    "p50_ms": http.p50,
                    "p99_ms": http.p99,
                    "raw_p50_ms": raw.p50,
                    "raw_p99_ms": raw.p99,
                },
            )
        )
        if scenario.name == "summary, 168 h":
            summary_growth(ctx, data, http.p99, first_summary_p99)


def summary_growth(ctx: Context, data: str, p99: float, first: list[float]) -> None:
    """The 168 h summary may cost at most 1.5x at the biggest size what it cost at the first."""
    if not first:
        first.append(p99)
        return
    ratio = p99 / first[0]
    ctx.rows.append(
        Row(
            ctx.engine,
            data,
            "summary, 168 h: growth",
            f"p99 {fmt_ms(p99)}",
            f"p99 {fmt_ms(first[0])} at the first size",
            f"{ratio:.2f}x",
            "≤ 1.5x the first size",
            verdict(ratio <= 1.5),
            {"ratio": ratio},
        )
    )
