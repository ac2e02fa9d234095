"""What a mapper makes of one OTLP item, and the parts every mapped record shares.

A mapper turns one log record or span into an ``Item`` (an activity record with a stable
external id), or says why it made none: dropped (noise, or a fact another signal already
carries) or rejected (reported back in ``partial_success``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property
from typing import Any

from agent_activity.domain.telemetry.records import TelemetryRecord
from agent_activity.domain.tenancy.access import ProjectRef
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.otlp.values import Attributes, as_int

# Clocks disagree a little; an item further ahead of the server than this is refused.
FUTURE_TOLERANCE = timedelta(minutes=5)
# What agents report about a user: kept as unverified detail, never as the record's identity.
Item = TelemetryRecord
REPORTED_USER_KEYS = ("user.email", "user.account_uuid", "user.id", "organization.id")
REPORTED_USER_SET = frozenset(REPORTED_USER_KEYS)


@dataclass(frozen=True)
class Privacy:
    """What of the content agents send may be stored (docs/otlp.md, "Privacy")."""

    store_content: bool
    store_prompts: bool
    content_max_chars: int


@dataclass(frozen=True)
class Source:
    """Who sent an export, and when it arrived."""

    principal: Principal
    project: ProjectRef | None
    received_at: datetime
    privacy: Privacy

    @cached_property
    def identity(self) -> dict[str, Any]:
        """The fields every record of this source shares, made once per export and resource."""
        principal = self.principal
        return {
            "user_id": str(principal.principal_id) if principal.is_user else None,
            "workspace_id": str(self.project.workspace_id) if self.project else None,
            "principal_type": principal.principal_type,
            "principal_id": str(principal.principal_id),
            "token_id": str(principal.token_id),
            "token_type": "api_token",
            "received_at": self.received_at,
        }

    @cached_property
    def latest(self) -> datetime:
        """The latest time an item may have; one further ahead of the server is refused."""
        return self.received_at + FUTURE_TOLERANCE


@dataclass
class Refusal:
    """An item the receiver refused, counted in ``partial_success``."""

    message: str


class Dropped:
    """An item kept out of the log on purpose (noise, or a duplicate of another signal)."""


DROPPED = Dropped()
Outcome = Item | Refusal | Dropped


@dataclass
class Batch:
    """Everything one export became."""

    items: list[Item] = field(default_factory=list)
    dropped: int = 0
    refusals: list[Refusal] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        if isinstance(outcome, Item):
            self.items.append(outcome)
        elif isinstance(outcome, Refusal):
            self.refusals.append(outcome)
        else:
            self.dropped += 1


def content(source: Source, value: Any, *, prompt: bool = False) -> str | None:
    """Agent-sent content (prompt, tool input, command output), if the settings keep it."""
    allowed = source.privacy.store_prompts if prompt else source.privacy.store_content
    if not allowed or value is None or value == "":
        return None
    return str(value)[: source.privacy.content_max_chars]


def reported_user(*attribute_sets: Attributes) -> dict[str, str]:
    found: dict[str, str] = {}
    for attributes in attribute_sets:
        present = attributes.keys() & REPORTED_USER_SET  # one C pass; most sets hold none
        for key in REPORTED_USER_KEYS if present else ():
            value = attributes.get(key)
            if value is not None and value != "":
                found[key] = str(value)[:200]
    return found


def token_usage(
    input_tokens: Any,
    output_tokens: Any,
    cache_read: Any = None,
    cache_creation: Any = None,
    *,
    input_includes_cache: bool,
) -> dict[str, int] | None:
    """Tokens by kind, each counted once: ``input_tokens`` excludes cache reads and writes, so
    the four kinds add up to the total. OpenAI, Gemini and the GenAI conventions count cached
    input inside the input; Anthropic (Claude Code) does not."""
    given, output = as_int(input_tokens), as_int(output_tokens)
    read, creation = as_int(cache_read), as_int(cache_creation)
    if given is None and output is None and read is None and creation is None:
        return None
    given, output, read, creation = given or 0, output or 0, read or 0, creation or 0
    fresh = max(given - read - creation, 0) if input_includes_cache else given
    return {
        "input_tokens": fresh,
        "output_tokens": output,
        "cache_read_tokens": read,
        "cache_creation_tokens": creation,
        "total_tokens": fresh + output + read + creation,
    }


def base_record(
    source: Source,
    *,
    agent: str,
    event: str,
    at: datetime,
    session_id: str | None,
    trace_id: str | None,
    resource: Attributes,
    attributes: Attributes,
) -> dict[str, Any]:
    """The fields every telemetry record has: who sent it (the token, never what the agent
    says about its user), where (the project's workspace), and which agent session."""
    metadata: dict[str, Any] = {"source": "otlp", "agent": agent, "event": event}
    version = resource.get("service.version") or attributes.get("app.version")
    if version:
        metadata["agent_version"] = str(version)[:64]
    if source.project is not None:
        metadata["project_id"] = str(source.project.id)
    user = reported_user(resource, attributes)
    if user:
        metadata["reported_user"] = user
    return {
        **source.identity,
        "timestamp": at,
        "trace_id": trace_id or None,
        "agent_session_id": session_id[:128] if session_id else None,
        "record_metadata": metadata,
    }


def too_far_ahead(source: Source, at: datetime) -> Refusal | None:
    if at > source.latest:
        return Refusal(f"timestamp {at.isoformat()} is more than 5 minutes in the future")
    return None


def digest_id(kind: str, *parts: bytes) -> str:
    """A stable id for an item with no natural key: the hash of its encoded form, which an
    exporter's retry sends unchanged."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return f"otlp:{kind}:{hasher.hexdigest()[:48]}"
