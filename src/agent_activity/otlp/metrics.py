"""Metrics as per-session totals, not one record per data point.

Only sums are kept (token and cost counters, active time, lines of code): each data point
becomes a ``Point`` of one series, named by the metric and the point's attributes other than
the session's. Delta points are added; a cumulative point adds what it grew by since the last
one of its series (domain/telemetry/totals.py). Gauges and histograms are counted and dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.metrics.v1.metrics_pb2 import AggregationTemporality, NumberDataPoint

from agent_activity.otlp.projects import ResourceScope
from agent_activity.otlp.values import attributes_of

SESSION_KEYS = ("session.id", "conversation.id", "gen_ai.conversation.id")
# Attributes that name who or where, not what: left out of a series' name.
IDENTITY_KEYS = (*SESSION_KEYS, "user.id", "user.email", "user.account_uuid", "organization.id")
MAX_SERIES = 512


@dataclass(frozen=True)
class Point:
    session_key: str
    metric: str
    series: str
    unit: str
    value: float
    cumulative: bool
    start_ns: int
    time_ns: int
    project_id: str | None


@dataclass
class MetricBatch:
    points: list[Point]
    dropped: int
    refusals: list[str]


async def map_metrics(request: ExportMetricsServiceRequest, scope: ResourceScope) -> MetricBatch:
    batch = MetricBatch([], 0, [])
    for resource_metrics in request.resource_metrics:
        resource = attributes_of(resource_metrics.resource.attributes)
        source = await scope.source_for(resource)
        for scope_metrics in resource_metrics.scope_metrics:
            for metric in scope_metrics.metrics:
                if metric.WhichOneof("data") != "sum":
                    batch.dropped += count_points(metric)
                    continue
                cumulative = (
                    metric.sum.aggregation_temporality
                    == AggregationTemporality.AGGREGATION_TEMPORALITY_CUMULATIVE
                )
                for point in metric.sum.data_points:
                    if isinstance(source, str):
                        batch.refusals.append(source)
                        continue
                    project = str(source.project.id) if source.project else None
                    batch.points.append(
                        point_of(metric.name, metric.unit, point, cumulative, project)
                    )
    return batch


def point_of(
    name: str, unit: str, point: NumberDataPoint, cumulative: bool, project: str | None
) -> Point:
    attributes = attributes_of(point.attributes)
    session = next((str(attributes[k]) for k in SESSION_KEYS if attributes.get(k)), "")
    series = ",".join(
        f"{key}={attributes[key]}" for key in sorted(attributes) if key not in IDENTITY_KEYS
    )
    value = point.as_double if point.WhichOneof("value") == "as_double" else float(point.as_int)
    return Point(
        session_key=session[:128],
        metric=name[:128],
        series=series[:MAX_SERIES],
        unit=unit[:32],
        value=value,
        cumulative=cumulative,
        start_ns=point.start_time_unix_nano,
        time_ns=point.time_unix_nano,
        project_id=project,
    )


def count_points(metric: object) -> int:
    kind = metric.WhichOneof("data")  # type: ignore[attr-defined]
    data = getattr(metric, kind) if kind else None
    return len(data.data_points) if data is not None else 0
