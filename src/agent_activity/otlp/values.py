"""OTLP attribute values as plain Python, and the lenient readers agents' values need: Claude
Code and Codex send most numbers and booleans as strings, some as typed values."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue

Attributes = dict[str, Any]


def value_of(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    if kind == "string_value":  # most values agents send
        return value.string_value
    if kind is None:
        return None
    if kind == "array_value":
        return [value_of(item) for item in value.array_value.values]
    if kind == "kvlist_value":
        return attributes_of(value.kvlist_value.values)
    if kind == "bytes_value":
        return value.bytes_value.hex()
    return getattr(value, kind)


def attributes_of(pairs: Iterable[KeyValue]) -> Attributes:
    """The pairs as a dict. Reading a protobuf field makes a Python object each time, so each
    pair's key and value are read once, and a value's string (most of them) is taken as it is:
    only an empty one, which may be another kind or unset, goes through ``value_of``."""
    out: Attributes = {pair.key: pair.value for pair in pairs}
    for key, value in out.items():
        text = value.string_value
        out[key] = text if text else value_of(value)
    return out


def as_int(value: Any) -> int | None:
    if isinstance(value, str):  # first: most numbers agents send are strings
        try:
            return int(value)  # the usual "1200"; int() itself ignores surrounding blanks
        except ValueError:
            pass
        return finite_int(value)  # "12.5", "1e3"
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return finite_int(value)
    return None


def finite_int(value: str | float) -> int | None:
    try:
        return int(float(value))
    except (ValueError, OverflowError):  # not a number, NaN or infinite
        return None


def as_float(value: Any) -> float | None:
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


def as_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def as_text(value: Any, limit: int = 128) -> str | None:
    if value is None or value == "":
        return None
    return str(value)[:limit]


def time_of(unix_nano: int) -> datetime | None:
    """A timestamp from OTLP's nanoseconds; 0 (Codex's logs) means unknown."""
    if unix_nano <= 0:
        return None
    return datetime.fromtimestamp(unix_nano / 1e9, UTC)


def parse_time(text: Any) -> datetime | None:
    """An ``event.timestamp`` attribute (ISO 8601, ``Z`` for UTC)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
