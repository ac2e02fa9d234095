"""Demo agent runs and activity records."""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from agent_activity.db.base import new_id
from agent_activity.db.models import (
    RUN_STATUSES,
    TRIGGER_TYPES,
    Agent,
    AgentRun,
)
from agent_activity.demo.world import (
    ACTIONS,
    ERRORS,
    METHODS,
    DemoWorld,
)


def make_run(
    world: DemoWorld, agent: Agent, now: datetime, rng: random.Random, index: int
) -> AgentRun:
    status = (
        RUN_STATUSES[index % len(RUN_STATUSES)]
        if index < 60
        else rng.choices(RUN_STATUSES, weights=[3, 4, 70, 12, 6, 5])[0]
    )
    created = now - timedelta(seconds=rng.randint(60, 7 * 86400))
    started = None if status == "pending" else created + timedelta(seconds=rng.randint(0, 30))
    completed = None
    if status not in ("pending", "running") and started is not None:
        completed = started + timedelta(seconds=rng.randint(5, 900))
    prompt, output = rng.randint(200, 20000), rng.randint(50, 4000)
    if status == "pending":
        prompt = output = 0
    # Each run ran some version of its agent: the newest for most, an older one for some.
    versions = world.versions.get(agent.id, [])
    version = (versions[-1] if rng.random() < 0.8 else rng.choice(versions)) if versions else None
    return AgentRun(
        org_id=world.org.id,
        agent_id=agent.id,
        agent_version_id=version.id if version else None,
        scratchpad_uid=new_id(),
        workflow_id=f"agent-{agent.approach}-{agent.id.hex[:8]}",
        approach=agent.approach,
        status=status,
        sandbox=rng.random() < 0.15,
        trigger_type=TRIGGER_TYPES[index % len(TRIGGER_TYPES)]
        if index < 40
        else rng.choice(TRIGGER_TYPES),
        started_on=started,
        completed_on=completed,
        created_on=created,
        updated_on=completed or created,
        token_usage={"input_tokens": prompt, "output_tokens": output},
        total_tokens=prompt + output,
        error="Tool call timed out" if status == "failed" else None,
    )


def make_activity(world: DemoWorld, now: datetime, rng: random.Random) -> dict[str, Any]:
    action = rng.choice(ACTIONS)
    user = rng.choice(world.users)
    endpoint = rng.choice(world.endpoints)
    augmentation = next((a for a in world.augmentations if a.app_id == endpoint.app_id), None)
    kind = rng.random()
    resource_type, resource_id = "endpoint", str(endpoint.id)
    if kind < 0.25 and augmentation is not None:
        resource_type, resource_id = "augmentation", str(augmentation.id)
    elif kind < 0.35:
        resource_type, resource_id = "app", str(endpoint.app_id)
    elif kind < 0.45:
        resource_type, resource_id = "agent_run", str(new_id())
    elif kind < 0.5:
        resource_type, resource_id = "workspace", str(endpoint.workspace_id)
    failed = rng.random() < 0.08
    status_code, error_code = rng.choice(ERRORS) if failed else (200, None)
    if not failed and action == "create":
        status_code = 201
    uses_model = action in ("execute", "trigger") or resource_type == "augmentation"
    tokens = (
        {"input_tokens": rng.randint(100, 8000), "output_tokens": rng.randint(20, 1500)}
        if uses_model
        else None
    )
    stages = (
        augmentation.total_stages
        if augmentation is not None and resource_type == "augmentation"
        else None
    )
    return {
        "id": new_id(),
        "org_id": world.org.id,
        "timestamp": now - timedelta(seconds=rng.uniform(0, 7 * 86400)),
        "trace_id": uuid.uuid4().hex,
        "user_id": str(user.id),
        "workspace_id": str(endpoint.workspace_id),
        "app_id": str(endpoint.app_id),
        "endpoint_id": str(endpoint.id),
        "principal_type": "user",
        "principal_id": str(user.id),
        "token_id": None,
        "token_type": "api_token",
        "method": METHODS[action],
        "path": f"/v1/apps/{endpoint.app_id}{endpoint.path}",
        "resource_type": resource_type,
        "resource_id": resource_id,
        "action": action,
        "status_code": status_code,
        "success": not failed,
        "error_code": error_code,
        "duration_ms": round(rng.lognormvariate(4.2, 0.9), 2),
        "execution_id": uuid.uuid4().hex if uses_model else None,
        "augmentation_id": str(augmentation.id)
        if resource_type == "augmentation" and augmentation
        else None,
        "stages_completed": (stages if not failed else rng.randint(0, stages - 1))
        if stages
        else None,
        "total_stages": stages,
        "token_usage": tokens,
        "total_tokens": sum(tokens.values()) if tokens else 0,
        "record_metadata": {"source": "demo"},
        "received_at": now,
    }
