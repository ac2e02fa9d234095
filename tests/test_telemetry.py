"""FastAPI's native OpenTelemetry is opt-in: off, no request asks for a provider."""

from __future__ import annotations

import uuid

import httpx
import pytest
from opentelemetry import trace

from agent_activity.app import create_app
from agent_activity.config import Settings


@pytest.mark.parametrize("enabled", [False, True])
async def test_opentelemetry_is_consulted_only_when_enabled(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, enabled: bool
) -> None:
    asked: list[str] = []
    provider = trace.get_tracer_provider

    def counted() -> trace.TracerProvider:
        asked.append("tracer provider")
        return provider()

    monkeypatch.setattr(trace, "get_tracer_provider", counted)
    app = create_app(settings.model_copy(update={"opentelemetry": enabled}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            assert (await http.get("/healthz")).status_code == 200
            response = await http.get(f"/v1/orgs/{uuid.uuid4()}/activity")
            assert response.status_code == 401
    assert bool(asked) is enabled
