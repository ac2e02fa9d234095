"""A select read at the driver's level gives exactly the values SQLAlchemy's own result gives."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, event, select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.driver_select import DriverSelect, Read, read_many
from agent_activity.db.models import Checkpoint, Project, Ticket
from agent_activity.runtime import Runtime
from tests.factories import Tenant


async def test_rows_equal_those_of_sqlalchemy(
    runtime: Runtime, db: AsyncSession, tenant: Tenant
) -> None:
    project = await db.get(Project, tenant.project_id)
    assert project is not None
    now = runtime.now()
    for number in (1, 2, 3):
        db.add(
            Ticket(
                org_id=tenant.org_id,
                project_id=tenant.project_id,
                number=number,
                title=f"Ticket {number}",
                column="todo",
                position=number,
                created_at=now,
                updated_at=now,
            )
        )
    await db.commit()
    statement = tickets_statement()
    values = {"project": tenant.project_id, "limit": 2}
    connection = await db.connection()
    expected = [tuple(row) for row in await connection.execute(statement, values)]
    query = DriverSelect(statement, connection.dialect)
    for _ in range(2):  # the second read uses the processors the first one made
        assert await query.rows(connection, values) == expected
    assert [row[1] for row in expected] == [3, 2]
    created_at = expected[0][3]
    assert isinstance(created_at, datetime) and created_at == now and created_at.tzinfo
    assert expected[0][4] is None and expected[0][5] == project.board_columns

    # Several selects at once, in the order asked, each with its own value of one parameter
    # name: one trip to SQLite's thread (a batch of its own, which the engine's events do not
    # see), or on PostgreSQL one statement, once each select has run alone (learning its
    # processors).
    first = Read(("test tickets", 2), tickets_statement, values)
    all_three = Read(("test tickets", 3), tickets_statement, values | {"limit": 3})
    none = Read(("test tickets", 0), tickets_statement, values | {"limit": 0})
    with counted_statements(runtime) as statements:
        many = await read_many(db, first, none, all_three)
    assert many == [expected, [], [*expected, many[2][2]]]
    assert many[2][2][1] == 1
    with counted_statements(runtime) as again:
        assert await read_many(db, first, none, all_three) == many
    if runtime.engine.dialect.name == "postgresql":
        assert (len(statements), len(again)) == (3, 1)


@contextmanager
def counted_statements(runtime: Runtime) -> Iterator[list[str]]:
    """The statements sent to the database through the engine while the block runs."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    engine = runtime.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def tickets_statement() -> Select[*tuple[Any, ...]]:
    return (
        select(
            Ticket.id,
            Ticket.number,
            Ticket.title,
            Ticket.created_at,
            Checkpoint.progress_pct,  # NULL through the outer join, and a float type
            Project.board_columns,  # JSON
        )
        .join(Project, Project.id == Ticket.project_id)
        .outerjoin(Checkpoint, Checkpoint.ticket_id == Ticket.id)
        .where(Ticket.project_id == bindparam("project"))
        .order_by(Ticket.number.desc())
        .limit(bindparam("limit"))
    )
