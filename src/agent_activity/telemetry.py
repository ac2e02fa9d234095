"""Whether FastAPI's native OpenTelemetry runs (``AGENT_ACTIVITY_OPENTELEMETRY``).

FastAPI asks, on every request and in every mounted application, whether OpenTelemetry
providers are configured, reading environment variables to find out; with nothing configured
that cost about 0.1 ms a request here for no span. The service has its own record of every
request (the request log), so OpenTelemetry is opt-in: with the setting on, FastAPI's defaults
apply and spans and metrics go to whatever providers the process configures (for example
under ``opentelemetry-instrument``).
"""

from __future__ import annotations

from fastapi.telemetry import TelemetryConfig

from agent_activity.config import Settings

OFF: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}


def fastapi_telemetry(settings: Settings) -> TelemetryConfig | None:
    """The ``telemetry`` argument for every FastAPI application of the service."""
    return None if settings.opentelemetry else OFF
