"""Routes of spec files 000-002: translate HTTP to domain calls and back; no SQL here."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Query, Request

from agent_activity.api.deps import PrincipalDep, ReadSessionDep, RuntimeDep, SessionDep
from agent_activity.api.projects.schemas import (
    AgentSessions,
    BatchRequest,
    BatchResponse,
    ProjectList,
    ProjectListed,
)
from agent_activity.api.projects.ticket_routes import router as ticket_router
from agent_activity.domain.presence.results import AgentActivity, ProjectAgentActivity
from agent_activity.domain.presence.views import Expiry, project_activity, project_sessions
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.directory import load_directory
from agent_activity.runtime import Runtime

router = APIRouter()
router.include_router(ticket_router)


def expiry(runtime: Runtime) -> Expiry:
    return Expiry(runtime.sessionmaker, runtime.settings.session_timeout_s)


def describe(request: Request, project: ProjectRef, action: str) -> None:
    """Tell the request log what this request touched (ActivityRecord column names)."""
    request.state.activity = {
        "resource_type": "project",
        "resource_id": str(project.id),
        "workspace_id": str(project.workspace_id),
        "action": action,
    }


@router.get("/", response_model=ProjectList)
async def list_projects(
    request: Request, principal: PrincipalDep, session: ReadSessionDep
) -> ProjectList:
    """The projects this token can see, by name: where a project id comes from."""
    found = await load_directory(session, principal)
    workspaces = {workspace.id: workspace.name for workspace in found.workspaces}
    projects = [
        ProjectListed(
            id=project.id,
            name=project.name,
            workspace_id=project.workspace_id,
            workspace_name=workspaces.get(project.workspace_id),
            org_id=project.org_id,
        )
        for project in found.projects
    ]
    request.state.activity = {"resource_type": "project", "action": "list"}
    return ProjectList(projects=projects)


@router.post("/agent-activity/batch", response_model=BatchResponse)
async def agent_activity_batch(
    body: BatchRequest,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    runtime: RuntimeDep,
) -> BatchResponse:
    """File 000: the file 001 payload for each requested project, in request order."""
    # Check every id first, in request order, so the first bad one decides the error.
    projects = [await runtime.projects.get(session, principal, pid) for pid in body.project_ids]
    now = runtime.now()
    results = []
    for project in projects:
        payload = await project_activity(
            session, project.id, now, runtime.settings, expiry(runtime)
        )
        results.append(ProjectAgentActivity.of(project.id, payload))
    request.state.activity = {"resource_type": "project", "action": "agent_activity.batch"}
    return BatchResponse(results=results)


@router.get("/{id}/agent-activity", response_model=AgentActivity)
async def agent_activity(
    id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    session: ReadSessionDep,
    runtime: RuntimeDep,
) -> AgentActivity:
    """File 001: the project's live MCP sessions, checkpoints and session history."""
    project = await runtime.projects.get(session, principal, id)
    describe(request, project, "agent_activity.read")
    return await project_activity(
        session, project.id, runtime.now(), runtime.settings, expiry(runtime)
    )


@router.get("/{id}/agent-sessions", response_model=AgentSessions)
async def agent_sessions(
    id: uuid.UUID,
    request: Request,
    principal: PrincipalDep,
    session: SessionDep,
    runtime: RuntimeDep,
    active: bool = Query(
        True,
        description="When true (default), only sessions with last activity within "
        "active_window_s (5 minutes); false adds recent ended sessions.",
    ),
) -> AgentSessions:
    """File 002: the project's agent sessions."""
    project = await runtime.projects.get(session, principal, id)
    describe(request, project, "agent_sessions.read")
    sessions = await project_sessions(
        session, project.id, runtime.now(), runtime.settings, active=active
    )
    return AgentSessions(sessions=sessions)
