"""The receiver's errors, answered as OTLP/HTTP says: a ``google.rpc.Status`` body, in the
request's own encoding (protobuf or JSON), with ``Retry-After`` where a retry may succeed."""

from __future__ import annotations

from google.protobuf import json_format
from google.rpc import code_pb2, status_pb2
from starlette.responses import Response

from agent_activity.domain.errors import (
    DomainError,
    Forbidden,
    Invalid,
    NotFound,
    RateLimited,
    Unauthenticated,
)


class Refused(Exception):
    """An export refused as a whole."""

    status = 400
    code = code_pb2.INVALID_ARGUMENT
    retry_after_s: int | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadRequest(Refused):
    pass


class UnsupportedMediaType(Refused):
    status = 415


class TooLarge(Refused):
    status = 413
    code = code_pb2.RESOURCE_EXHAUSTED


class Unavailable(Refused):
    status = 503
    code = code_pb2.UNAVAILABLE
    retry_after_s = 5


# Domain errors: (HTTP status, google.rpc code).
DOMAIN: list[tuple[type[DomainError], int, int]] = [
    (Unauthenticated, 401, code_pb2.UNAUTHENTICATED),
    (Forbidden, 403, code_pb2.PERMISSION_DENIED),
    (NotFound, 404, code_pb2.NOT_FOUND),
    (Invalid, 400, code_pb2.INVALID_ARGUMENT),
    (RateLimited, 429, code_pb2.RESOURCE_EXHAUSTED),
]


def status_response(status: int, code: int, message: str, as_json: bool) -> Response:
    body = status_pb2.Status(code=code, message=message)
    if as_json:
        return Response(json_format.MessageToJson(body), status, media_type="application/json")
    return Response(body.SerializeToString(), status, media_type="application/x-protobuf")


def render(error: Exception, as_json: bool) -> Response:
    """The response for ``error``; anything unexpected is a 500 that says nothing inside."""
    if isinstance(error, Refused):
        response = status_response(error.status, error.code, error.message, as_json)
        if error.retry_after_s is not None:
            response.headers["Retry-After"] = str(error.retry_after_s)
        return response
    for kind, status, code in DOMAIN:
        if isinstance(error, kind):
            response = status_response(status, code, error.message, as_json)
            if isinstance(error, RateLimited):
                response.headers["Retry-After"] = str(max(1, int(error.retry_after_s + 0.999)))
            if isinstance(error, Unauthenticated):
                response.headers["WWW-Authenticate"] = "Bearer"
            return response
    return status_response(500, code_pb2.INTERNAL, "An unexpected error occurred", as_json)
