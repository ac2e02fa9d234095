"""A Python client for Agent Activity, built on httpx alone (none of the server's packages).

from agent_activity.client import Client

with Client("http://127.0.0.1:8000", token="aa_...") as client:
    agent = client.agents.create("Inbox triage")
    with client.runs.track(agent.agent_uid, trigger_type="email_received") as run:
        run.add_tokens(input=1200, output=300)
    for past in client.runs.iter(agent.agent_uid, status=["failed"]):
        print(past.id, past.error)
"""

from agent_activity.client.clients import AsyncClient, Client
from agent_activity.client.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from agent_activity.client.models import Agent, AgentVersion, Run, RunGroup, RunPage
from agent_activity.client.runs import TrackedRun

__all__ = [
    "Agent",
    "AgentVersion",
    "ApiError",
    "AsyncClient",
    "AuthenticationError",
    "BadRequestError",
    "Client",
    "ConflictError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "Run",
    "RunGroup",
    "RunPage",
    "ServerError",
    "TrackedRun",
]
