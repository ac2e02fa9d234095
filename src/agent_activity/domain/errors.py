"""The domain's errors. Each API family renders them in its own documented shape."""

from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    """Base of every expected error; never rendered as a 500."""

    code: str = "ERROR"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Unauthenticated(DomainError):
    code = "UNAUTHENTICATED"


class Forbidden(DomainError):
    code = "FORBIDDEN"

    def __init__(self, message: str, required_permission: str) -> None:
        super().__init__(message)
        self.required_permission = required_permission


class NotFound(DomainError):
    code = "NOT_FOUND"

    def __init__(self, resource_type: str, resource_id: object) -> None:
        super().__init__(f"{resource_type.replace('_', ' ').capitalize()} not found")
        self.resource_type = resource_type
        self.resource_id = str(resource_id)


@dataclass(frozen=True)
class FieldIssue:
    """One problem with one input; ``path`` is like ("query", "limit") or ("body", "ids", 3)."""

    path: tuple[str | int, ...]
    message: str
    type: str = "value_error"
    input: object = None
    ctx: dict[str, object] = field(default_factory=dict)


class Invalid(DomainError):
    code = "VALIDATION_ERROR"

    def __init__(self, message: str, issues: list[FieldIssue] | None = None) -> None:
        super().__init__(message)
        self.issues = issues or []


class Conflict(DomainError):
    code = "CONFLICT"


class RateLimited(DomainError):
    code = "RATE_LIMITED"

    def __init__(self, retry_after_s: float) -> None:
        super().__init__("Too many requests; retry later")
        self.retry_after_s = retry_after_s
