"""The dashboard's sign-in cookie: the caller's API token, signed, HttpOnly.

The proxy must present the token to the APIs as a bearer, so the cookie carries it (never
readable by page scripts: HttpOnly). The signature (itsdangerous, keyed by
``settings.session_secret`` or a key generated once into the database and shared by every
process) makes the cookie tamper-evident and lets it expire on the injectable clock; the token
itself is re-checked on every request, so a revoked token signs the browser out at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.requests import Request
from starlette.responses import Response

from agent_activity.domain.errors import Unauthenticated
from agent_activity.domain.tenancy.directory import service_secret
from agent_activity.domain.tenancy.principal import Principal
from agent_activity.domain.tenancy.tokens import authenticate
from agent_activity.runtime import Runtime

COOKIE_NAME = "aa_session"
MAX_AGE_S = 12 * 3600
SECRET_NAME = "dashboard_cookie"
SALT = "agent-activity.dashboard.session"
SIGN_IN = "Sign in to the dashboard with an API token"


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    token: str


class SessionCookies:
    """Signs and reads the session cookie; the key is loaded once per process."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self._serializer: URLSafeSerializer | None = None

    async def serializer(self) -> URLSafeSerializer:
        if self._serializer is None:
            key = self.runtime.settings.session_secret
            if not key:
                async with self.runtime.sessionmaker() as session, session.begin():
                    key = await service_secret(session, SECRET_NAME)
            self._serializer = URLSafeSerializer(key, salt=SALT)
        return self._serializer

    async def token_from(self, request: Request) -> str | None:
        """The token in the request's cookie, if the cookie is genuine and not expired."""
        raw = request.cookies.get(COOKIE_NAME)
        if not raw:
            return None
        try:
            payload = (await self.serializer()).loads(raw)
        except BadSignature:
            return None
        if not isinstance(payload, dict):
            return None
        token, issued = payload.get("t"), payload.get("iat")
        if not isinstance(token, str) or not isinstance(issued, int | float):
            return None
        age = self.runtime.now().timestamp() - issued
        return token if 0 <= age < MAX_AGE_S else None

    async def authenticate(self, request: Request) -> SignedIn:
        """The signed-in principal, or Unauthenticated; counts against the token's rate limit."""
        token = await self.token_from(request)
        if token is None:
            raise Unauthenticated(SIGN_IN)
        now = self.runtime.now()
        async with self.runtime.sessionmaker() as session, session.begin():
            principal = await authenticate(session, token, now)
        await self.runtime.rate_limiter.hit(f"token:{principal.token_id}", now)
        return SignedIn(principal, token)

    async def set(self, response: Response, request: Request, token: str) -> None:
        value = (await self.serializer()).dumps({"t": token, "iat": self.runtime.now().timestamp()})
        response.set_cookie(
            COOKIE_NAME,
            value,
            max_age=MAX_AGE_S,
            path="/",
            httponly=True,
            secure=self.secure(request),
            # Lax: sent when following a link to the dashboard, never on cross-site posts.
            samesite="lax",
        )

    def clear(self, response: Response, request: Request) -> None:
        response.delete_cookie(
            COOKIE_NAME, path="/", httponly=True, secure=self.secure(request), samesite="lax"
        )

    def secure(self, request: Request) -> bool:
        return self.runtime.settings.cookie_secure or request.url.scheme == "https"
