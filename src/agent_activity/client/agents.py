"""``client.agents``: create an agent, read it with its versions, add a version."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from agent_activity.client import calls
from agent_activity.client._http import AsyncHttp, SyncHttp
from agent_activity.client.models import Agent, AgentVersion


class Agents:
    def __init__(self, http: SyncHttp) -> None:
        self._http = http

    def create(
        self,
        name: str,
        *,
        description: str = "",
        approach: str = "loop",
        workspace_id: str | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Agent:
        call = calls.create_agent(
            name,
            description=description,
            approach=approach,
            workspace_id=workspace_id,
            config=config,
        )
        return Agent.from_resource(self._http.data(call))

    def get(self, agent_uid: str) -> Agent:
        return Agent.from_resource(self._http.data(calls.get_agent(agent_uid)))

    def add_version(self, agent_uid: str, config: Mapping[str, Any]) -> AgentVersion:
        return AgentVersion.from_dict(self._http.data(calls.add_version(agent_uid, config)))


class AsyncAgents:
    def __init__(self, http: AsyncHttp) -> None:
        self._http = http

    async def create(
        self,
        name: str,
        *,
        description: str = "",
        approach: str = "loop",
        workspace_id: str | None = None,
        config: Mapping[str, Any] | None = None,
    ) -> Agent:
        call = calls.create_agent(
            name,
            description=description,
            approach=approach,
            workspace_id=workspace_id,
            config=config,
        )
        return Agent.from_resource(await self._http.data(call))

    async def get(self, agent_uid: str) -> Agent:
        return Agent.from_resource(await self._http.data(calls.get_agent(agent_uid)))

    async def add_version(self, agent_uid: str, config: Mapping[str, Any]) -> AgentVersion:
        return AgentVersion.from_dict(await self._http.data(calls.add_version(agent_uid, config)))
