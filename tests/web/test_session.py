"""Signing in and out of the dashboard: the cookie's flags, its lifetime, redirects."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from agent_activity.app import create_app
from agent_activity.config import Settings
from agent_activity.db.models import ApiToken
from agent_activity.domain.tenancy.tokens import hash_token
from agent_activity.web.session import COOKIE_NAME, MAX_AGE_S
from tests.conftest import FakeClock
from tests.factories import Tenant
from tests.web.helpers import sign_in


def cookie_header(response: httpx.Response) -> str:
    headers = [v for k, v in response.headers.multi_items() if k == "set-cookie"]
    assert len(headers) == 1, headers
    return headers[0]


async def test_pages_redirect_to_sign_in_and_back(client: httpx.AsyncClient) -> None:
    for page in ("/board", "/agents", "/activity?level=user"):
        response = await client.get(page)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/signin?next=")
    form = await client.get("/signin?next=/agents")
    assert form.status_code == 200
    assert 'name="token"' in form.text and 'value="/agents"' in form.text
    assert (await client.get("/")).headers["location"] == "/board"


async def test_sign_in_sets_an_httponly_lax_cookie_and_returns_to_next(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    response = await client.post("/signin", data={"token": tenant.token, "next": "/activity"})
    assert response.status_code == 303
    assert response.headers["location"] == "/activity"
    header = cookie_header(response).lower()
    assert header.startswith(f"{COOKIE_NAME}=")
    assert "httponly" in header and "samesite=lax" in header and "path=/" in header
    assert f"max-age={MAX_AGE_S}" in header
    assert "secure" not in header  # plain http and cookie_secure unset
    page = await client.get("/activity")
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_cookie_is_secure_over_https_or_when_configured(
    app: FastAPI, tenant: Tenant, settings: Settings, clock: FakeClock
) -> None:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://dash.test") as https:
        response = await https.post("/signin", data={"token": tenant.token})
        assert "secure" in cookie_header(response).lower()
    configured = create_app(settings.model_copy(update={"cookie_secure": True}), clock=clock)
    async with (
        configured.router.lifespan_context(configured),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=configured), base_url="http://dash.test"
        ) as http,
    ):
        response = await http.post("/signin", data={"token": tenant.token})
        assert "secure" in cookie_header(response).lower()


async def test_bad_tokens_are_refused_with_the_reason(
    client: httpx.AsyncClient, runtime_token_revoked: str
) -> None:
    cases = {
        "": "Authentication required",
        "nope": "Malformed token",
        "aa_unknown": "Unknown token",
        runtime_token_revoked: "revoked",
    }
    for token, reason in cases.items():
        response = await client.post("/signin", data={"token": token})
        assert response.status_code == 401
        assert reason in response.text
        assert 'aria-invalid="true"' in response.text
        assert "set-cookie" not in response.headers


async def test_next_must_be_a_local_path(client: httpx.AsyncClient, tenant: Tenant) -> None:
    for target in ("//evil.test/x", "https://evil.test/", "/\\evil.test"):
        response = await client.post("/signin", data={"token": tenant.token, "next": target})
        assert response.headers["location"] == "/board"


async def test_cross_site_form_posts_are_refused(client: httpx.AsyncClient, tenant: Tenant) -> None:
    evil = {"Origin": "https://evil.test"}
    response = await client.post("/signin", data={"token": tenant.token}, headers=evil)
    assert response.status_code == 403
    assert "set-cookie" not in response.headers
    assert (await client.post("/signout", headers=evil)).status_code == 403
    same = {"Origin": "http://testserver"}
    response = await client.post("/signin", data={"token": tenant.token}, headers=same)
    assert response.status_code == 303


async def test_sign_out_clears_the_cookie(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await sign_in(client, tenant.token)
    assert (await client.get("/ui/api/me")).status_code == 200
    response = await client.post("/signout")
    assert response.status_code == 303 and response.headers["location"] == "/signin"
    assert "max-age=0" in cookie_header(response).lower()
    assert COOKIE_NAME not in client.cookies
    assert (await client.get("/ui/api/me")).status_code == 401
    assert (await client.get("/board")).status_code == 303


async def test_a_tampered_cookie_is_ignored(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await sign_in(client, tenant.token)
    value = client.cookies[COOKIE_NAME]
    client.cookies.set(COOKIE_NAME, value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    response = await client.get("/ui/api/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": "Sign in to the dashboard with an API token",
        "code": "UNAUTHENTICATED",
    }


async def test_the_cookie_expires_on_the_service_clock(
    client: httpx.AsyncClient, tenant: Tenant, clock: FakeClock
) -> None:
    await sign_in(client, tenant.token)
    clock.advance(MAX_AGE_S - 5)
    assert (await client.get("/ui/api/me")).status_code == 200
    clock.advance(10)
    assert (await client.get("/ui/api/me")).status_code == 401


async def test_revoking_the_token_signs_the_browser_out(
    client: httpx.AsyncClient, tenant: Tenant, db: AsyncSession, clock: FakeClock
) -> None:
    await sign_in(client, tenant.token)
    token = await db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(tenant.token)))
    assert token is not None
    token.revoked_at = clock()
    await db.commit()
    assert (await client.get("/ui/api/me")).status_code == 401
    assert (await client.get("/board")).status_code == 303
    proxied = await client.get(f"/ui/api/projects/{tenant.project_id}/agent-activity")
    assert proxied.status_code == 401


async def test_every_process_signs_with_the_same_stored_key(
    client: httpx.AsyncClient, tenant: Tenant, settings: Settings, clock: FakeClock
) -> None:
    """No session_secret configured: a second app on the same database accepts the cookie."""
    assert settings.session_secret is None
    await sign_in(client, tenant.token)
    other = create_app(settings, clock=clock)
    async with (
        other.router.lifespan_context(other),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=other),
            base_url="http://testserver",
            cookies={COOKIE_NAME: client.cookies[COOKIE_NAME]},
        ) as second,
    ):
        response = await second.get("/ui/api/me")
        assert response.status_code == 200
        assert response.json()["org"]["id"] == str(tenant.org_id)


async def test_an_unknown_page_is_an_html_404_and_unknown_json_stays_json(
    client: httpx.AsyncClient,
) -> None:
    html = {"Accept": "text/html,application/xhtml+xml"}
    page = await client.get("/no-such-page", headers=html)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no page at <code>/no-such-page</code>" in page.text
    assert page.headers["x-content-type-options"] == "nosniff"
    script = await client.get("/ui/api/no-such-route", headers=html)
    assert script.status_code == 404 and script.json()["code"] == "NOT_FOUND"
    fetch = await client.get("/no-such-page", headers={"Accept": "application/json"})
    assert fetch.status_code == 404 and fetch.json()["code"] == "NOT_FOUND"
    escaped = await client.get("/<script>", headers=html)
    assert "<script>" not in escaped.text.split("<main", 1)[1]
