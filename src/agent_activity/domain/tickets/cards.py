"""A project's tickets: the cards on its board, shared by the REST API and the MCP tools.

A ticket is named by its per-project number (``12``, ``"12"``, ``"#12"``) or by its id (a UUID).
Numbers are assigned as max + 1 inside the project; two concurrent creations that pick the same
number collide on the (project_id, number) unique key and the loser retries in a savepoint.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime

from cachetools import TTLCache
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.db.models import Project, Ticket
from agent_activity.domain.errors import FieldIssue, Invalid, NotFound
from agent_activity.domain.tickets.results import TicketView

TITLE_MAX = 500
DESCRIPTION_MAX = 20_000
LIST_LIMIT = 500
_NUMBER = re.compile(r"#?(\d{1,9})")
_CREATE_ATTEMPTS = 5

TicketRef = int | str


def parse_ticket_ref(ref: object, field: str = "ticket") -> int | uuid.UUID:
    """A ticket number or a ticket id; anything else is Invalid with a message naming both."""
    if isinstance(ref, bool):
        ref = str(ref)
    if isinstance(ref, int):
        if ref < 1:
            raise _invalid(field, "ticket number must be 1 or more", ref)
        return ref
    if isinstance(ref, str):
        text = ref.strip()
        match = _NUMBER.fullmatch(text)
        if match:
            return parse_ticket_ref(int(match.group(1)), field)
        try:
            return uuid.UUID(text)
        except ValueError:
            pass
    raise _invalid(field, "expected a ticket number (like 12 or #12) or a ticket id (a UUID)", ref)


def _invalid(field: str, message: str, value: object) -> Invalid:
    return Invalid(f"Invalid {field}: {message}", [FieldIssue((field,), message, input=value)])


async def get_ticket(session: AsyncSession, project_id: uuid.UUID, ref: object) -> Ticket:
    key = parse_ticket_ref(ref)
    query = select(Ticket).where(Ticket.project_id == project_id)
    if isinstance(key, int):
        query = query.where(Ticket.number == key)
    else:
        query = query.where(Ticket.id == key)
    ticket = await session.scalar(query)
    if ticket is None:
        raise NotFound("ticket", ref)
    return ticket


@dataclass(frozen=True)
class TicketKey:
    """What never changes about a ticket: its id, its project and its number."""

    id: uuid.UUID
    project_id: uuid.UUID
    number: int


class TicketKeys:
    """Each process remembers which ticket a number or id names, so a progress report needs no
    read for it. The service deletes no ticket and never renumbers one, so an entry cannot go
    wrong; entries are dropped after ``ttl_s`` only to bound memory."""

    def __init__(self, ttl_s: float = 300.0, max_entries: int = 100_000) -> None:
        self._keys: TTLCache[tuple[uuid.UUID, int | uuid.UUID], TicketKey] = TTLCache(
            max_entries, ttl_s
        )

    async def get(self, session: AsyncSession, project_id: uuid.UUID, ref: object) -> TicketKey:
        """As ``get_ticket`` (the same errors), from memory when known."""
        name = (project_id, parse_ticket_ref(ref))
        key = self._keys.get(name)
        if key is None:
            ticket = await get_ticket(session, project_id, ref)
            key = self._keys[name] = TicketKey(ticket.id, ticket.project_id, ticket.number)
        return key


async def list_tickets(
    session: AsyncSession, project: Project, column: str | None = None
) -> list[Ticket]:
    """The project's tickets in board order: by column as configured, then position, number."""
    query = select(Ticket).where(Ticket.project_id == project.id)
    if column is not None:
        query = query.where(Ticket.column == check_column(project, column))
    rows = list(await session.scalars(query.order_by(Ticket.number).limit(LIST_LIMIT)))
    order = {name: index for index, name in enumerate(project.board_columns)}
    rows.sort(key=lambda t: (order.get(t.column, len(order)), t.position, t.number))
    return rows


def check_column(project: Project, column: str, field: str = "column") -> str:
    name = column.strip() if isinstance(column, str) else column
    if name not in project.board_columns:
        choices = ", ".join(project.board_columns)
        raise _invalid(field, f"unknown column {column!r}; this board has: {choices}", column)
    return name


def check_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise _invalid("title", "a ticket needs a non-empty title", title)
    if len(title) > TITLE_MAX:
        raise _invalid("title", f"at most {TITLE_MAX} characters", len(title))
    return title.strip()


def check_description(description: object) -> str:
    if not isinstance(description, str):
        raise _invalid("description", "must be a string", description)
    if len(description) > DESCRIPTION_MAX:
        raise _invalid("description", f"at most {DESCRIPTION_MAX} characters", len(description))
    return description


async def _next_position(session: AsyncSession, project: Project, column: str) -> int:
    last = await session.scalar(
        select(func.max(Ticket.position)).where(
            Ticket.project_id == project.id, Ticket.column == column
        )
    )
    return int(last) + 1 if last is not None else 0


async def create_ticket(
    session: AsyncSession,
    project: Project,
    title: str,
    now: datetime,
    column: str | None = None,
    description: str = "",
) -> Ticket:
    """A new ticket at the bottom of ``column`` (default: the board's first column)."""
    title = check_title(title)
    description = check_description(description)
    target = check_column(project, column) if column is not None else project.board_columns[0]
    for attempt in range(_CREATE_ATTEMPTS):
        number = await session.scalar(
            select(func.coalesce(func.max(Ticket.number), 0) + 1).where(
                Ticket.project_id == project.id
            )
        )
        ticket = Ticket(
            org_id=project.org_id,
            project_id=project.id,
            number=int(number or 1),
            title=title,
            description=description,
            column=target,
            position=await _next_position(session, project, target),
            created_at=now,
            updated_at=now,
        )
        try:
            async with session.begin_nested():
                session.add(ticket)
        except IntegrityError:
            # Another writer took this number first; pick the next one.
            if attempt == _CREATE_ATTEMPTS - 1:
                raise
            continue
        return ticket
    raise AssertionError("unreachable")


async def update_ticket(
    session: AsyncSession,
    ticket: Ticket,
    project: Project,
    now: datetime,
    *,
    column: str | None = None,
    title: str | None = None,
    description: str | None = None,
) -> Ticket:
    """Move a ticket (to the bottom of its new column) and/or retitle it."""
    if column is not None:
        target = check_column(project, column)
        if target != ticket.column:
            ticket.position = await _next_position(session, project, target)
            ticket.column = target
    if title is not None:
        ticket.title = check_title(title)
    if description is not None:
        ticket.description = check_description(description)
    ticket.updated_at = now
    await session.flush()
    return ticket


def ticket_view(ticket: Ticket) -> TicketView:
    """The shape of a ticket, the same over REST and MCP."""
    return TicketView.model_validate(ticket)
