"""Every table, imported here so the metadata is complete for Alembic and tests."""

from agent_activity.db.models.activity import ActivityLegacyKey, ActivityRecord, ActivityRollup
from agent_activity.db.models.agents import Agent, AgentVersion
from agent_activity.db.models.presence import AgentSession, Checkpoint, WorkInterval
from agent_activity.db.models.resources import App, Augmentation, Endpoint
from agent_activity.db.models.runs import (
    NOT_YET,
    RUN_STATUSES,
    TRIGGER_TYPES,
    AgentRun,
    AgentRunCount,
)
from agent_activity.db.models.seals import ActivitySeal
from agent_activity.db.models.service import JobLease, RateLimitCounter, ServiceSecret
from agent_activity.db.models.telemetry import SessionMetricTotal, TelemetryJoin
from agent_activity.db.models.tenancy import (
    DEFAULT_BOARD_COLUMNS,
    Membership,
    Org,
    Project,
    Ticket,
    User,
    Workspace,
)
from agent_activity.db.models.ticket_usage import TicketUsage
from agent_activity.db.models.tokens import ApiToken

__all__ = [
    "DEFAULT_BOARD_COLUMNS",
    "NOT_YET",
    "RUN_STATUSES",
    "TRIGGER_TYPES",
    "ActivityLegacyKey",
    "ActivityRecord",
    "ActivityRollup",
    "ActivitySeal",
    "Agent",
    "AgentRun",
    "AgentRunCount",
    "AgentSession",
    "AgentVersion",
    "ApiToken",
    "App",
    "Augmentation",
    "Checkpoint",
    "Endpoint",
    "JobLease",
    "Membership",
    "Org",
    "Project",
    "RateLimitCounter",
    "ServiceSecret",
    "SessionMetricTotal",
    "TelemetryJoin",
    "Ticket",
    "TicketUsage",
    "User",
    "WorkInterval",
    "Workspace",
]
