"""Errors the client raises for an answer that is not a success.

Each carries the HTTP status and the parsed body, whatever the family's error shape (file 003's
``{status, status_code, error: {code, message}}``, the presence family's ``{error, code}`` or the
activity log's ``{error, message}``), so one ``except`` works for every endpoint.
"""

from __future__ import annotations

from typing import Any

import httpx


class ApiError(Exception):
    """The service answered with an error status."""

    def __init__(self, status_code: int, body: Any, message: str, code: str | None) -> None:
        super().__init__(f"{status_code} {code or 'ERROR'}: {message}")
        self.status_code = status_code
        self.body = body
        self.message = message
        self.code = code


class BadRequestError(ApiError):
    """400 or 422: the request itself is wrong; ``body`` says which field."""


class AuthenticationError(ApiError):
    """401: no token, or an unknown, revoked or expired one."""


class PermissionDeniedError(ApiError):
    """403: the token or its user lacks a permission."""


class NotFoundError(ApiError):
    """404: no such resource, or one of another org."""


class ConflictError(ApiError):
    """409: for instance an illegal run status move, or a reused Idempotency-Key."""


class RateLimitError(ApiError):
    """429: too many requests; ``retry_after`` says for how many seconds to wait."""

    @property
    def retry_after(self) -> float | None:
        details = _error_object(self.body).get("details") or {}
        value = details.get("retry_after") if isinstance(details, dict) else None
        return float(value) if isinstance(value, int | float) else None


class ServerError(ApiError):
    """5xx: the service failed; the request may be retried."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}


def _error_object(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        inner = body.get("error")
        return inner if isinstance(inner, dict) else body
    return {}


def _message_and_code(body: Any, fallback: str) -> tuple[str, str | None]:
    if not isinstance(body, dict):
        return (str(body)[:500] or fallback), None
    inner = body.get("error")
    if isinstance(inner, dict):  # file 003: {"error": {"code", "message"}}
        return str(inner.get("message") or fallback), _str(inner.get("code"))
    if isinstance(body.get("message"), str):  # file 004: {"error": CODE, "message"}
        return str(body["message"]), _str(inner)
    if isinstance(inner, str):  # files 000-002: {"error": message, "code"}
        return inner, _str(body.get("code"))
    return fallback, None


def _str(value: Any) -> str | None:
    return str(value) if value is not None else None


def error_from_response(response: httpx.Response) -> ApiError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    message, code = _message_and_code(body, response.reason_phrase or "HTTP error")
    kind = _BY_STATUS.get(response.status_code)
    if kind is None:
        kind = ServerError if response.status_code >= 500 else ApiError
    return kind(response.status_code, body, message, code)
