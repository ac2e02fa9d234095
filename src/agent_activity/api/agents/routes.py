"""Routes of this family: translate HTTP to domain calls and back; no SQL here."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response

from agent_activity.api.agents import resources
from agent_activity.api.agents.resources import (
    AgentList,
    AgentResource,
    Envelope,
    RunGroupList,
    RunList,
    RunResource,
    VersionResource,
)
from agent_activity.api.agents.schemas import (
    RUN_ATTRIBUTES,
    AgentCreate,
    RunCreate,
    RunListParams,
    RunUpdate,
    VersionCreate,
)
from agent_activity.api.deps import PrincipalDep, ReadSessionDep, RuntimeDep, SessionDep
from agent_activity.db.models import AgentRun
from agent_activity.domain.runs import agents
from agent_activity.domain.runs import listing as run_list
from agent_activity.domain.runs import records as runs
from agent_activity.domain.tenancy.directory import load_directory
from agent_activity.domain.tenancy.principal import TOKEN_USAGE, Principal

# Runs carry only the attributes asked for: fields left unset are left out (resources.py).
router = APIRouter()

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200, pattern=r"^[\x21-\x7e]+$"),
]


def _single_run(run: AgentRun, principal: Principal) -> RunResource:
    """A run returned by a write: the listed attributes, its error, and token usage if allowed."""
    names: list[str] = [*RUN_ATTRIBUTES, "error"]
    if principal.has_scope(TOKEN_USAGE):
        names.append("token_usage")
    return resources.run_resource(run, names)


def _record_context(request: Request, status_code: int) -> dict[str, Any]:
    return {"method": request.method, "path": request.url.path, "status_code": status_code}


@router.post("/", status_code=201, response_model_exclude_unset=True)
async def create_agent(
    body: AgentCreate,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Envelope[AgentResource]:
    detail = await agents.create_agent(
        session,
        principal,
        name=body.name,
        description=body.description,
        approach=body.approach,
        workspace_id=body.workspace_id,
        config=body.config,
        now=runtime.now(),
    )
    request.state.activity = {
        "resource_type": "agent",
        "resource_id": str(detail.agent.id),
        "action": "create",
        "workspace_id": str(body.workspace_id) if body.workspace_id else None,
    }
    return Envelope[AgentResource].of(resources.agent_resource(detail), 201)


@router.get("/", response_model_exclude_unset=True)
async def list_agents(
    request: Request, session: ReadSessionDep, principal: PrincipalDep
) -> Envelope[AgentList]:
    """The agents this token can see, by name: where an agent_uid comes from."""
    found = await load_directory(session, principal)
    request.state.activity = {"resource_type": "agent", "action": "list"}
    return Envelope[AgentList].of(resources.agent_list(found.agents))


@router.get("/{agent_uid}", response_model_exclude_unset=True)
async def get_agent(
    agent_uid: uuid.UUID, request: Request, session: ReadSessionDep, principal: PrincipalDep
) -> Envelope[AgentResource]:
    detail = await agents.get_agent_detail(session, principal, agent_uid)
    workspace = detail.agent.workspace_id
    # The request log files the read under the agent's workspace, as it does the run writes.
    request.state.activity = {
        "resource_type": "agent",
        "resource_id": str(agent_uid),
        "action": "read",
        "workspace_id": str(workspace) if workspace else None,
    }
    return Envelope[AgentResource].of(resources.agent_resource(detail))


@router.post("/{agent_uid}/versions", status_code=201)
async def add_version(
    agent_uid: uuid.UUID,
    body: VersionCreate,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Envelope[VersionResource]:
    version = await agents.add_version(
        session, principal, agent_uid, config=body.config, now=runtime.now()
    )
    return Envelope[VersionResource].of(resources.version_resource(version), 201)


@router.get("/{agent_uid}/activities", response_model_exclude_unset=True)
async def list_activities(
    agent_uid: uuid.UUID,
    params: Annotated[RunListParams, Query()],
    session: ReadSessionDep,
    principal: PrincipalDep,
) -> Envelope[RunList] | Envelope[RunGroupList]:
    query = params.to_query()
    if params.group_by == "trigger":
        groups = await run_list.list_run_groups(session, principal, agent_uid, query)
        grouped = resources.run_groups(groups, params.attributes(), query.page, query.per_page)
        return Envelope[RunGroupList].of(grouped)
    page = await run_list.list_runs(session, principal, agent_uid, query)
    return Envelope[RunList].of(resources.run_page(page, params.attributes()))


@router.post("/{agent_uid}/runs", status_code=201, response_model_exclude_unset=True)
async def create_run(
    agent_uid: uuid.UUID,
    body: RunCreate,
    request: Request,
    response: Response,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PrincipalDep,
    idempotency_key: IdempotencyKey = None,
) -> Envelope[RunResource]:
    spec = runs.RunSpec(
        trigger_type=body.trigger_type,
        status=body.status,
        workflow_id=body.workflow_id,
        approach=body.approach,
        agent_version_id=body.agent_version_uid,
        scratchpad_uid=body.scratchpad_uid,
        sandbox=body.sandbox,
        metadata=body.metadata,
    )
    recorded = await runs.create_run(
        session,
        principal,
        agent_uid,
        spec,
        now=runtime.now(),
        idempotency_key=idempotency_key,
        record_extra=_record_context(request, 201),
    )
    if recorded.created:
        request.state.activity_recorded = True
    else:
        response.headers["Idempotent-Replayed"] = "true"
    return Envelope[RunResource].of(_single_run(recorded.run, principal), 201)


def _name_run(request: Request, run_id: uuid.UUID) -> None:
    """The request log names this run as the activity records do, even if the call fails."""
    request.state.activity = {"resource_type": runs.RESOURCE_TYPE, "resource_id": str(run_id)}


@router.get("/{agent_uid}/runs/{run_id}", response_model_exclude_unset=True)
async def get_run(
    agent_uid: uuid.UUID,
    run_id: uuid.UUID,
    request: Request,
    session: SessionDep,
    principal: PrincipalDep,
) -> Envelope[RunResource]:
    _name_run(request, run_id)
    run = await runs.get_run(session, principal, agent_uid, run_id)
    return Envelope[RunResource].of(_single_run(run, principal))


@router.patch("/{agent_uid}/runs/{run_id}", response_model_exclude_unset=True)
async def update_run(
    agent_uid: uuid.UUID,
    run_id: uuid.UUID,
    body: RunUpdate,
    request: Request,
    runtime: RuntimeDep,
    session: SessionDep,
    principal: PrincipalDep,
) -> Envelope[RunResource]:
    _name_run(request, run_id)
    change = runs.RunChange(status=body.status, token_usage=body.token_usage, error=body.error)
    run = await runs.update_run(
        session,
        principal,
        agent_uid,
        run_id,
        change,
        now=runtime.now(),
        record_extra=_record_context(request, 200),
    )
    request.state.activity_recorded = True
    return Envelope[RunResource].of(_single_run(run, principal))
