"""What the client returns: small dataclasses read from the service's resources.

Attributes left out by sparse fields are None; ``attributes`` keeps the raw dict as sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class AgentVersion:
    agent_version_uid: str
    version: int
    config: dict[str, Any]
    created_at: datetime | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AgentVersion:
        return cls(
            agent_version_uid=data["agent_version_uid"],
            version=int(data["version"]),
            config=data.get("config") or {},
            created_at=parse_time(data.get("created_at")),
        )


@dataclass(frozen=True)
class Agent:
    agent_uid: str
    name: str
    description: str
    approach: str
    workspace_id: str | None
    created_at: datetime | None
    versions: list[AgentVersion] = field(default_factory=list)

    @classmethod
    def from_resource(cls, resource: dict[str, Any]) -> Agent:
        attributes = resource["attributes"]
        return cls(
            agent_uid=resource["id"],
            name=attributes["name"],
            description=attributes.get("description", ""),
            approach=attributes.get("approach", ""),
            workspace_id=attributes.get("workspace_id"),
            created_at=parse_time(attributes.get("created_at")),
            versions=[AgentVersion.from_dict(v) for v in attributes.get("versions", [])],
        )


@dataclass(frozen=True)
class Run:
    id: str
    agent_uid: str | None = None
    agent_version_uid: str | None = None
    scratchpad_uid: str | None = None
    workflow_id: str | None = None
    approach: str | None = None
    status: str | None = None
    sandbox: bool | None = None
    trigger_type: str | None = None
    started_on: datetime | None = None
    completed_on: datetime | None = None
    created_on: datetime | None = None
    token_usage: dict[str, int] | None = None
    error: str | None = None
    attributes: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_resource(cls, resource: dict[str, Any]) -> Run:
        a: dict[str, Any] = dict(resource.get("attributes") or {})
        return cls(
            id=resource["id"],
            agent_uid=a.get("agent_uid"),
            agent_version_uid=a.get("agent_version_uid"),
            scratchpad_uid=a.get("scratchpad_uid"),
            workflow_id=a.get("workflow_id"),
            approach=a.get("approach"),
            status=a.get("status"),
            sandbox=a.get("sandbox"),
            trigger_type=a.get("trigger_type"),
            started_on=parse_time(a.get("started_on")),
            completed_on=parse_time(a.get("completed_on")),
            created_on=parse_time(a.get("created_on")),
            token_usage=a.get("token_usage"),
            error=a.get("error"),
            attributes=a,
        )


@dataclass(frozen=True)
class RunPage:
    items: list[Run]
    page: int
    per_page: int
    total_pages: int
    total_items: int

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> RunPage:
        meta = data["_meta"]
        return cls(
            items=[Run.from_resource(item) for item in data["items"]],
            page=meta["page"],
            per_page=meta["per_page"],
            total_pages=meta["total_pages"],
            total_items=meta["total_items"],
        )


@dataclass(frozen=True)
class RunGroup:
    """One trigger type's runs on the requested page (``group_by=trigger``)."""

    trigger_type: str
    page: RunPage

    @classmethod
    def from_item(cls, item: dict[str, Any]) -> RunGroup:
        return cls(
            trigger_type=item["id"],
            page=RunPage.from_data({"items": item["items"], "_meta": item["attributes"]}),
        )
