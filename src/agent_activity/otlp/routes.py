"""``POST /otlp/v1/{logs,traces,metrics}``: one export, mapped and stored all at once.

The token comes from ``Authorization: Bearer`` or, for agents that cannot send headers, from
the path (``/otlp/t/<token>/v1/logs``, never logged: see redact.py). Items the receiver
refuses (a project the token cannot see, a time far in the future) are counted in the
response's ``partial_success``; the rest of the export is stored.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2 as logs_pb
from opentelemetry.proto.collector.metrics.v1 import metrics_service_pb2 as metrics_pb
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2 as trace_pb
from sqlalchemy.exc import IntegrityError, OperationalError
from starlette.requests import Request
from starlette.responses import Response

from agent_activity.api.deps import authenticate_secret, bearer_secret
from agent_activity.api.outage import database_unreachable
from agent_activity.domain.errors import DomainError, FieldIssue, Invalid
from agent_activity.domain.telemetry.store import store_telemetry
from agent_activity.domain.telemetry.totals import add_points
from agent_activity.domain.tenancy.access import ProjectRef, check_org_access
from agent_activity.domain.tenancy.principal import INGEST, Principal
from agent_activity.otlp.decode import JSON, decompress, media_type, parse
from agent_activity.otlp.errors import Refused, TooLarge, Unavailable, render
from agent_activity.otlp.items import Batch, Privacy
from agent_activity.otlp.logs import map_logs
from agent_activity.otlp.metrics import map_metrics
from agent_activity.otlp.projects import ResourceScope
from agent_activity.otlp.spans import map_traces
from agent_activity.runtime import Runtime

PROJECT_HEADER = "x-project-id"
logger = logging.getLogger("agent_activity.otlp")


async def export(request: Request, signal: str) -> Response:
    as_json = "json" in request.headers.get("content-type", "").lower()
    try:
        kind = media_type(request.headers.get("content-type"))
        runtime: Runtime = request.app.state.runtime
        secret = request.path_params.get("token") or bearer_secret(request)
        principal = await authenticate_secret(runtime, secret)
        check_org_access(principal, principal.org_id, INGEST)
        await runtime.rate_limiter.hit(f"token:{principal.token_id}", runtime.now())
        limit = runtime.settings.otlp_max_body_bytes
        body = decompress(
            await read_body(request, limit), request.headers.get("content-encoding"), limit
        )
        message = parse(signal, kind, body)
        rejected, note = await store_export(runtime, request, principal, signal, message)
    except Exception as error:  # every failure answers in OTLP's Status shape
        if database_unreachable(error):  # e.g. authenticating the token: the exporter retries
            logger.warning("database unreachable on OTLP %s export: %s", signal, error)
            return render(Unavailable("the database is unreachable; retry the export"), as_json)
        if not isinstance(error, Refused | DomainError):
            logger.exception("OTLP %s export failed", signal)
        return render(error, as_json)
    return export_response(signal, rejected, note, as_json)


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise TooLarge(f"the body is larger than {limit} bytes")
    return bytes(body)


async def store_export(
    runtime: Runtime, request: Request, principal: Principal, signal: str, message: Message
) -> tuple[int, str]:
    """Map and store one export; (items refused, why), for ``partial_success``."""
    now = runtime.now()
    settings = runtime.settings
    privacy = Privacy(
        settings.otlp_store_content, settings.otlp_store_prompts, settings.otlp_content_max_chars
    )
    try:
        async with runtime.read_sessionmaker() as reads:
            project = await header_project(runtime, reads, principal, request)
            scope = ResourceScope(reads, runtime.projects, principal, project, now, privacy)
            mapped = await MAPPERS[signal](message, scope)
        await write_mapped(runtime, principal, mapped, now)
    except (OperationalError, TimeoutError, ConnectionError):
        raise Unavailable("the database cannot take this export now; retry it") from None
    refusals = (
        [r.message for r in mapped.refusals] if isinstance(mapped, Batch) else mapped.refusals
    )
    return len(refusals), "; ".join(sorted(set(refusals)))[:1000]


async def write_mapped(runtime: Runtime, principal: Principal, mapped: Any, now: datetime) -> None:
    """Store and commit what one export became: its records, or its metric points."""
    for attempt in range(2):
        async with runtime.sessionmaker() as session:
            try:
                if isinstance(mapped, Batch):
                    await store_telemetry(session, principal.org_id, mapped.items, now)
                else:
                    points: list[Any] = mapped.points
                    who = str(principal.principal_id)
                    await add_points(session, principal.org_id, who, points, now)
                await session.commit()
                return
            except IntegrityError:
                # A concurrent copy of this export stored some keys first; the retry skips them.
                await session.rollback()
                if attempt:
                    raise Unavailable("the export collided with a concurrent one") from None


async def header_project(
    runtime: Runtime, session: Any, principal: Principal, request: Request
) -> ProjectRef | None:
    raw = request.headers.get(PROJECT_HEADER, "").strip()
    if not raw:
        return None
    try:
        project_id = uuid.UUID(raw)
    except ValueError:
        issue = FieldIssue(("X-Project-Id",), "not a UUID")
        raise Invalid(f"X-Project-Id {raw[:80]!r} is not a project id", [issue]) from None
    return await runtime.projects.get(session, principal, project_id, INGEST)


MAPPERS: dict[str, Callable[[Any, ResourceScope], Awaitable[Any]]] = {
    "logs": map_logs,
    "traces": map_traces,
    "metrics": map_metrics,
}


def export_response(signal: str, rejected: int, note: str, as_json: bool) -> Response:
    answer: Message
    if signal == "logs":
        answer = logs_pb.ExportLogsServiceResponse()
        if rejected:
            answer.partial_success.rejected_log_records = rejected
    elif signal == "traces":
        answer = trace_pb.ExportTraceServiceResponse()
        if rejected:
            answer.partial_success.rejected_spans = rejected
    else:
        answer = metrics_pb.ExportMetricsServiceResponse()
        if rejected:
            answer.partial_success.rejected_data_points = rejected
    if rejected:
        answer.partial_success.error_message = note
    if as_json:
        return Response(json_format.MessageToJson(answer), 200, media_type=JSON)
    return Response(answer.SerializeToString(), 200, media_type="application/x-protobuf")
