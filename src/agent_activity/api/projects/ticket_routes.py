"""The project's tickets over REST, for people and the dashboard (the MCP tools' twins)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from agent_activity.api.deps import PrincipalDep, RuntimeDep, SessionDep
from agent_activity.api.projects.schemas import TicketCreate, TicketList, TicketUpdate
from agent_activity.db.models import Project, Ticket
from agent_activity.domain.tenancy.access import get_project
from agent_activity.domain.tenancy.principal import WRITE
from agent_activity.domain.tickets import cards as tickets
from agent_activity.domain.tickets.results import TicketView

router = APIRouter()


def describe(request: Request, project: Project, ticket: Ticket | None, action: str) -> None:
    request.state.activity = {
        "resource_type": "ticket" if ticket else "project",
        "resource_id": str(ticket.id if ticket else project.id),
        "workspace_id": str(project.workspace_id),
        "action": action,
    }


@router.get("/{id}/tickets", response_model=TicketList)
async def list_tickets(
    id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    column: str | None = Query(None, description="Only tickets in this board column."),
) -> TicketList:
    project = await get_project(session, principal, id)
    rows = await tickets.list_tickets(session, project, column)
    describe(request, project, None, "ticket.list")
    return TicketList(columns=project.board_columns, tickets=[tickets.ticket_view(t) for t in rows])


@router.post("/{id}/tickets", response_model=TicketView, status_code=201)
async def create_ticket(
    id: uuid.UUID,
    body: TicketCreate,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TicketView:
    project = await get_project(session, principal, id, WRITE)
    ticket = await tickets.create_ticket(
        session, project, body.title, runtime.now(), body.column, body.description
    )
    describe(request, project, ticket, "ticket.create")
    return tickets.ticket_view(ticket)


@router.get("/{id}/tickets/{ticket}", response_model=TicketView)
async def get_ticket(
    id: uuid.UUID, ticket: str, request: Request, principal: PrincipalDep, session: SessionDep
) -> TicketView:
    """``ticket`` is a ticket number (``12``) or id."""
    project = await get_project(session, principal, id)
    found = await tickets.get_ticket(session, project.id, ticket)
    describe(request, project, found, "ticket.read")
    return tickets.ticket_view(found)


@router.patch("/{id}/tickets/{ticket}", response_model=TicketView)
async def update_ticket(
    id: uuid.UUID,
    ticket: str,
    body: TicketUpdate,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    runtime: RuntimeDep,
) -> TicketView:
    """Move (``column``) and/or edit a ticket."""
    project = await get_project(session, principal, id, WRITE)
    found = await tickets.get_ticket(session, project.id, ticket)
    updated = await tickets.update_ticket(
        session,
        found,
        project,
        runtime.now(),
        column=body.column,
        title=body.title,
        description=body.description,
    )
    describe(request, project, updated, "ticket.move" if body.column else "ticket.update")
    return tickets.ticket_view(updated)
