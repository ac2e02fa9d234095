"""The MCP tools, named after the spec's words. Each one is a thin call into domain/."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from agent_activity.api.free_json import StoredText
from agent_activity.db.models import Checkpoint, WorkInterval
from agent_activity.domain.presence import checkpoints
from agent_activity.domain.presence import sessions as presence
from agent_activity.domain.presence.progress import ProgressReport
from agent_activity.domain.presence.views import iso
from agent_activity.domain.tenancy.principal import WRITE
from agent_activity.domain.tickets import cards as tickets
from agent_activity.mcp.calls import run_tool
from agent_activity.mcp.tool_call import ToolCall
from agent_activity.runtime import Runtime

# Free text arrives as JSON, which can spell what no store holds (a lone surrogate, NUL):
# StoredText refuses it as the tool's validation error instead of failing at the database.
TicketArg = Annotated[
    int | StoredText,
    Field(description="A ticket number on this project's board (12 or '#12') or a ticket id."),
]
ColumnArg = Annotated[
    StoredText, Field(description="A column of this project's board, e.g. 'review'.")
]


def interval_view(interval: WorkInterval, call: ToolCall) -> dict[str, Any]:
    return {
        "id": str(interval.id),
        "ticket_id": str(interval.ticket_id) if interval.ticket_id else None,
        "agent_role": interval.agent_role,
        "started_at": iso(interval.started_at),
        "ended_at": iso(interval.ended_at) if interval.ended_at else None,
        "duration_seconds": interval.duration_seconds,
        "working_for_s": presence.seconds_between(interval.started_at, call.now)
        if interval.ended_at is None
        else None,
    }


def checkpoint_view(checkpoint: Checkpoint, ticket: tickets.TicketKey) -> dict[str, Any]:
    return {
        "id": str(checkpoint.id),
        "ticket_id": str(ticket.id),
        "ticket_number": ticket.number,
        "agent_role": checkpoint.agent_role,
        "status": checkpoint.status,
        "progress_pct": checkpoint.progress_pct,
        "details": checkpoint.details,
        "created_at": iso(checkpoint.created_at),
    }


def register_tools(server: MCPServer[Any], runtime: Runtime) -> None:
    @server.tool()
    async def start_work(ticket: TicketArg, role: StoredText, ctx: Context) -> dict[str, Any]:
        """Start working on a ticket as `role` (e.g. 'developer'); ends your previous interval."""

        async def body(call: ToolCall) -> dict[str, Any]:
            found = await tickets.get_ticket(call.db, call.project.id, ticket)
            interval, previous = await presence.start_work(
                call.db, call.agent, found, role, call.now, nothing_open=call.nothing_open
            )
            call.settle_work(interval)
            call.resource_type, call.resource_id = "ticket", str(found.id)
            return {
                "session_id": call.agent.session_key,
                "ticket": tickets.ticket_view(found).model_dump(mode="json"),
                "interval": interval_view(interval, call),
                "previous": interval_view(previous, call) if previous else None,
            }

        return await run_tool(runtime, ctx, "start_work", body, WRITE)

    @server.tool()
    async def stop_work(ctx: Context) -> dict[str, Any]:
        """Stop the work you started; the interval joins the project's session history."""

        async def body(call: ToolCall) -> dict[str, Any]:
            interval = await presence.stop_work(call.db, call.agent, call.now)
            call.settle_work(None)
            call.resource_type = "ticket" if interval.ticket_id else "agent_session"
            call.resource_id = str(interval.ticket_id or call.agent.session_key)
            return {"session_id": call.agent.session_key, "interval": interval_view(interval, call)}

        return await run_tool(runtime, ctx, "stop_work", body, WRITE)

    @server.tool()
    async def report_progress(
        ticket: TicketArg,
        status: Annotated[
            StoredText, Field(description="Short status, e.g. 'testing' or 'blocked'.")
        ],
        progress_pct: Annotated[float, Field(description="How far along, 0 to 100.")],
        ctx: Context,
        details: StoredText = "",
    ) -> dict[str, Any]:
        """Record a progress checkpoint on a ticket (shown on the board)."""

        async def checkpoint_of(call: ToolCall) -> tuple[tickets.TicketKey, dict[str, Any]]:
            found = await runtime.tickets.get(call.db, call.project.id, ticket)
            values = checkpoints.checkpoint_values(
                call.agent,
                found,
                status=status,
                progress_pct=progress_pct,
                details=details,
                now=call.now,
            )
            call.resource_type, call.resource_id = "ticket", str(found.id)
            return found, values

        async def body(call: ToolCall) -> dict[str, Any]:
            found, values = await checkpoint_of(call)
            checkpoint = await checkpoints.add_checkpoint(call.db, values)
            return {"checkpoint": checkpoint_view(checkpoint, found)}

        async def live_body(call: ToolCall) -> dict[str, Any]:
            found, values = await checkpoint_of(call)
            await call.db.commit()  # the ticket's read ends here: the write is another's
            await runtime.progress.write(ProgressReport(call.touch(), values, call.audit()))
            return {"checkpoint": checkpoint_view(Checkpoint(**values), found)}

        return await run_tool(runtime, ctx, "report_progress", body, WRITE, live_body)

    @server.tool()
    async def heartbeat(ctx: Context) -> dict[str, Any]:
        """Tell the board you are still here; any tool call does the same."""

        async def body(call: ToolCall) -> dict[str, Any]:
            interval = await call.open_interval()
            call.resource_type, call.resource_id = "agent_session", call.agent.session_key
            stale_after = runtime.settings.stale_after_s
            return {
                "session_id": call.agent.session_key,
                "last_activity_at": iso(call.agent.last_activity_at),
                "stale_at": iso(call.agent.last_activity_at + timedelta(seconds=stale_after)),
                "working_on": interval_view(interval, call) if interval else None,
            }

        return await run_tool(runtime, ctx, "heartbeat", body)

    @server.tool()
    async def list_tickets(ctx: Context, column: str | None = None) -> dict[str, Any]:
        """The project's tickets in board order, optionally only one column's."""

        async def body(call: ToolCall) -> dict[str, Any]:
            project = await call.project_row()
            rows = await tickets.list_tickets(call.db, project, column)
            return {
                "columns": project.board_columns,
                "tickets": [tickets.ticket_view(t).model_dump(mode="json") for t in rows],
            }

        return await run_tool(runtime, ctx, "list_tickets", body)

    @server.tool()
    async def get_ticket(ticket: TicketArg, ctx: Context) -> dict[str, Any]:
        """One ticket by number or id."""

        async def body(call: ToolCall) -> dict[str, Any]:
            found = await tickets.get_ticket(call.db, call.project.id, ticket)
            call.resource_type, call.resource_id = "ticket", str(found.id)
            return tickets.ticket_view(found).model_dump(mode="json")

        return await run_tool(runtime, ctx, "get_ticket", body)

    @server.tool()
    async def create_ticket(
        title: StoredText,
        ctx: Context,
        column: StoredText | None = None,
        description: StoredText = "",
    ) -> dict[str, Any]:
        """Add a ticket to the board (default column: the board's first)."""

        async def body(call: ToolCall) -> dict[str, Any]:
            found = await tickets.create_ticket(
                call.db, await call.project_row(), title, call.now, column, description
            )
            call.resource_type, call.resource_id = "ticket", str(found.id)
            return tickets.ticket_view(found).model_dump(mode="json")

        return await run_tool(runtime, ctx, "create_ticket", body, WRITE)

    @server.tool()
    async def move_ticket(ticket: TicketArg, column: ColumnArg, ctx: Context) -> dict[str, Any]:
        """Move a ticket to another column of the board."""

        async def body(call: ToolCall) -> dict[str, Any]:
            found = await tickets.get_ticket(call.db, call.project.id, ticket)
            project = await call.project_row()
            await tickets.update_ticket(call.db, found, project, call.now, column=column)
            call.resource_type, call.resource_id = "ticket", str(found.id)
            return tickets.ticket_view(found).model_dump(mode="json")

        return await run_tool(runtime, ctx, "move_ticket", body, WRITE)
