"""The ticket usage rollups equal a plain recomputation from the raw rows (work intervals and
activity records), over random interleavings of intervals opening and closing, checkpoints and
records, including records outside any interval, records naming another tenant's ticket and
intervals left open, records written one by one and in batches; for all time and for a window
of whole hours."""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import ActivityRecord, Project, Ticket, WorkInterval
from agent_activity.domain.tickets.prices import PRICES
from agent_activity.domain.tickets.usage import Window, project_usage, ticket_usage
from agent_activity.runtime import Runtime
from tests.factories import make_tenant
from tests.tickets.arrange import Board, checkpoint, make_board, start, stop, write

BASE = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
MODELS = ["gpt-5.1-codex", "claude-opus-4-1", "claude-sonnet-4-5", "no-such-model"]

steps = st.lists(
    st.one_of(
        st.tuples(st.just("start"), st.integers(0, 1), st.integers(0, 2)),
        st.tuples(st.just("stop"), st.integers(0, 1)),
        st.tuples(st.just("checkpoint"), st.integers(0, 2)),
        st.tuples(
            st.just("record"),
            st.sampled_from([0, 1, 2, None, "foreign", "not-a-uuid"]),
            st.integers(0, 1),
            st.sampled_from(["tool_call", "model_request", "mcp", "prompt"]),
            st.booleans(),
            st.tuples(*[st.integers(0, 50_000)] * 4),
            st.one_of(st.none(), st.floats(0, 2, allow_nan=False)),
            st.sampled_from(MODELS),
            st.integers(0, 3600),  # how late the record arrives
        ),
    ),
    max_size=25,
)
gaps = st.lists(st.integers(0, 5400), min_size=25, max_size=25)


def record_of(
    board: Board, foreign: uuid.UUID, step: tuple[Any, ...], now: datetime
) -> dict[str, Any]:
    _, ticket, agent, kind, success, tokens, cost, model, late = step
    target = {"foreign": foreign, "not-a-uuid": "PROJ-1", None: None}.get(
        ticket, board.tickets[ticket] if isinstance(ticket, int) else None
    )
    metadata: dict[str, Any] = {"mcp_session_id": str(board.agents[agent])}
    if kind == "mcp":
        metadata["transport"] = "mcp"
    if kind == "model_request":
        metadata["model"] = model
        if cost is not None:
            metadata["cost_usd"] = cost
    return {
        "org_id": board.tenant.org_id,
        "timestamp": now - timedelta(seconds=late),
        "ticket_id": str(target) if target else None,
        "user_id": str(board.tenant.user_id) if agent == 0 else None,
        "action": kind if kind != "mcp" else "start_work",
        "success": success,
        "token_usage": dict(zip(("input_tokens", "output_tokens", "cache_read_tokens",
                                 "cache_creation_tokens"), tokens, strict=True)),
        "record_metadata": metadata,
    }  # fmt: skip


def hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


def us(delta: timedelta) -> int:
    return delta // timedelta(microseconds=1)


def inside(window: Window, moment: datetime) -> bool:
    return (window.start is None or moment >= window.start) and (
        window.end is None or moment < window.end
    )


async def recompute(
    session: AsyncSession, board: Board, now: datetime, window: Window
) -> dict[tuple[uuid.UUID, str, str], list[float]]:
    """(ticket, dimension, key) -> [time_us, intervals, tools, failed, models, 4 kinds, cost]."""
    sums: dict[tuple[uuid.UUID, str, str], list[float]] = defaultdict(lambda: [0.0] * 10)
    mine = set(board.tickets)
    intervals = await session.scalars(
        select(WorkInterval).where(WorkInterval.project_id == board.tenant.project_id)
    )
    for interval in intervals:
        assert interval.ticket_id is not None
        keys = [("ticket", ""), ("agent", str(interval.session_id)),
                ("user", str(board.tenant.user_id))]  # fmt: skip
        start = max(interval.started_at, window.start or interval.started_at)
        end = min(interval.ended_at or now, window.end or now)
        for key in keys:
            sums[(interval.ticket_id, *key)][0] += max(0, us(end - start))
            sums[(interval.ticket_id, *key)][1] += inside(window, hour(interval.started_at))
    records = await session.scalars(
        select(ActivityRecord).where(ActivityRecord.org_id == board.tenant.org_id)
    )
    for record in records:
        try:
            ticket = uuid.UUID(record.ticket_id or "")
        except ValueError:
            continue
        if ticket not in mine or not inside(window, hour(record.timestamp)):
            continue
        meta = record.record_metadata or {}
        keys = [("ticket", ""), ("agent", meta["mcp_session_id"])]
        keys += [("user", record.user_id)] if record.user_id else []
        keys += [("model", meta["model"])] if "model" in meta else []
        usage = record.token_usage or {}
        tokens = [usage["input_tokens"], usage["output_tokens"], usage["cache_read_tokens"],
                  usage["cache_creation_tokens"]]  # fmt: skip
        tool = record.action == "tool_call" or meta.get("transport") == "mcp"
        cost = meta.get("cost_usd")
        family = {
            "gpt-5": "gpt-5",
            "claude-opus-4": "claude-opus",
            "claude-sonnet": "claude-sonnet",
        }
        listed = [PRICES[f] for p, f in family.items() if meta.get("model", "").startswith(p)]
        if cost is None and listed:
            price = listed[0]
            rates = (price.input, price.output, price.cache_read, price.cache_creation)
            cost = sum(n * rate for n, rate in zip(tokens, rates, strict=True)) / 1e6
        for key in keys:
            row = sums[(ticket, *key)]
            row[2] += tool
            row[3] += tool and not record.success
            row[4] += record.action == "model_request"
            for index, count in enumerate(tokens):
                row[5 + index] += count
            row[9] += cost or 0.0
    return sums


def flat(part: Any) -> list[float]:
    t = part.tokens
    return [part.agent_time_s, part.intervals, part.tool_calls, part.failed_tool_calls,
            part.model_requests, t.input, t.output, t.cache_read, t.cache_creation,
            part.cost_usd]  # fmt: skip


def same(got: list[float], want: list[float], where: object) -> None:
    want = [round(want[0] / 1e6, 3), *want[1:]]
    assert got[:9] == want[:9], where
    assert abs(got[9] - want[9]) <= 1e-6 + 1e-9 * want[9], where


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=steps, gaps=gaps, window_hours=st.tuples(st.integers(0, 30), st.integers(1, 30)))
async def test_rollups_equal_a_recomputation(
    runtime: Runtime,
    plan: list[tuple[Any, ...]],
    gaps: list[int],
    window_hours: tuple[int, int],
) -> None:
    tenant = await make_tenant(runtime, "Ledger")
    other = await make_tenant(runtime, "Other")
    board = await make_board(runtime, tenant, BASE)
    foreign = (await make_board(runtime, other, BASE, agents=1)).tickets[0]
    now = BASE
    # Consecutive records are written as one batch, as the receiver and the request log write
    # them: a batch sums its records before its one upsert.
    batch: list[dict[str, Any]] = []
    for step, gap in zip(plan, gaps, strict=False):
        now += timedelta(seconds=gap, microseconds=gap * 7)
        if step[0] != "record" and batch:
            await write(runtime, batch)
            batch = []
        if step[0] == "start":
            await start(runtime, board, step[1], step[2], now)
        elif step[0] == "stop":
            await stop(runtime, board, step[1], now)
        elif step[0] == "checkpoint":
            await checkpoint(runtime, board, step[1], now)
        else:
            batch.append(record_of(board, foreign, step, now))
    if batch:
        await write(runtime, batch)
    now += timedelta(minutes=7)  # intervals left open keep counting up to now
    first, length = window_hours
    windows = [
        Window(),
        Window.of(BASE + timedelta(hours=first), BASE + timedelta(hours=first + length)),
    ]
    async with runtime.sessionmaker() as session:
        project = await session.get(Project, tenant.project_id)
        assert project is not None
        for window in windows:
            want = await recompute(session, board, now, window)
            board_view = await project_usage(session, project, now, window)
            by_ticket = {view.ticket_id: view for view in board_view.tickets}
            for ticket_id in board.tickets:
                ticket = await session.get(Ticket, ticket_id)
                assert ticket is not None
                view = await ticket_usage(session, ticket, now, window)
                same(flat(view), want[(ticket_id, "ticket", "")], (window, ticket_id))
                same(flat(by_ticket[ticket_id]), want[(ticket_id, "ticket", "")], "board")
                parts = [("agent", view.by_agent), ("user", view.by_user),
                         ("model", view.by_model)]  # fmt: skip
                got = {(dim, p.key): flat(p) for dim, rows in parts for p in rows}
                expected = {
                    (d, k)
                    for (t, d, k), v in want.items()
                    if t == ticket_id and d != "ticket" and any(v)
                }
                assert set(got) == expected
                for (dim, key), counts in got.items():
                    same(counts, want[(ticket_id, dim, key)], (window, dim, key))
        other_ticket = await session.get(Ticket, foreign)
        assert other_ticket is not None
        stranger = await ticket_usage(session, other_ticket, now, Window())
        assert flat(stranger) == [0.0] + [0] * 8 + [0.0]
