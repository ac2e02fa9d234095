"""Which project an export's items belong to: the ``X-Project-Id`` header, else the resource
attribute ``agent_activity.project_id`` (set through ``OTEL_RESOURCE_ATTRIBUTES``), else none.
A resource naming a project the token cannot see has its items refused, not the whole export."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.domain.errors import DomainError
from agent_activity.domain.tenancy.access import ProjectRef, ProjectRefs
from agent_activity.domain.tenancy.principal import INGEST, Principal
from agent_activity.otlp.items import Privacy, Refusal, Source
from agent_activity.otlp.values import Attributes

PROJECT_ATTRIBUTE = "agent_activity.project_id"


class ResourceScope:
    def __init__(
        self,
        session: AsyncSession,
        projects: ProjectRefs,
        principal: Principal,
        header_project: ProjectRef | None,
        received_at: datetime,
        privacy: Privacy,
    ) -> None:
        self.session = session
        self.projects = projects
        self.principal = principal
        self.header_project = header_project
        self.received_at = received_at
        self.privacy = privacy

    async def source_for(self, resource: Attributes) -> Source | str:
        """The items' source, or why every item of this resource is refused."""
        project = self.header_project
        raw = resource.get(PROJECT_ATTRIBUTE)
        if project is None and raw not in (None, ""):
            try:
                project_id = uuid.UUID(str(raw))
            except ValueError:
                return f"resource attribute {PROJECT_ATTRIBUTE} is not a project id"
            try:
                project = await self.projects.get(self.session, self.principal, project_id, INGEST)
            except DomainError:
                return f"project {project_id} of {PROJECT_ATTRIBUTE} was not found"
        return Source(self.principal, project, self.received_at, self.privacy)

    def refusal(self, message: str) -> Refusal:
        return Refusal(message)
