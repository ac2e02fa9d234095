"""An export's body as the ``Export*ServiceRequest`` message, by the rules of OTLP/HTTP:
protobuf or JSON, optionally gzip-compressed, within a size limit. Parsing is the
``opentelemetry-proto`` package's (protobuf's own JSON mapping for JSON bodies), after the one
rewrite OTLP JSON needs: its trace and span ids are hex, where protobuf's JSON expects base64.
"""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
)
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from agent_activity.otlp.errors import BadRequest, TooLarge, UnsupportedMediaType

PROTOBUF = "application/x-protobuf"
JSON = "application/json"
REQUESTS: dict[str, type[Message]] = {
    "logs": ExportLogsServiceRequest,
    "traces": ExportTraceServiceRequest,
    "metrics": ExportMetricsServiceRequest,
}
HEX_ID_FIELDS = frozenset({"traceId", "spanId", "parentSpanId", "trace_id", "span_id"})


def media_type(content_type: str | None) -> str:
    kind = (content_type or "").split(";")[0].strip().lower()
    if kind not in (PROTOBUF, JSON):
        raise UnsupportedMediaType(
            f"Content-Type {kind or '(none)'!r} is not supported: send {PROTOBUF} or {JSON}"
        )
    return kind


def decompress(body: bytes, encoding: str | None, limit: int) -> bytes:
    kind = (encoding or "identity").strip().lower()
    if kind == "identity":
        return body
    if kind != "gzip":
        raise UnsupportedMediaType(f"Content-Encoding {kind!r} is not supported: use gzip")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(body, limit + 1)
    except zlib.error as error:
        raise BadRequest(f"the gzip body cannot be decompressed: {error}") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise TooLarge(f"the decompressed body is larger than {limit} bytes")
    return out


def parse(signal: str, kind: str, body: bytes) -> Message:
    message = REQUESTS[signal]()
    if kind == PROTOBUF:
        try:
            message.ParseFromString(body)
        except DecodeError as error:
            raise BadRequest(
                f"the body is not a protobuf {message.DESCRIPTOR.name}: {error}"
            ) from None
        return message
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise BadRequest(f"the body is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise BadRequest(f"the body is not an OTLP JSON {message.DESCRIPTOR.name} object")
    try:
        json_format.ParseDict(with_base64_ids(data), message, ignore_unknown_fields=True)
    except (json_format.ParseError, ValueError, TypeError) as error:
        raise BadRequest(
            f"the body is not an OTLP JSON {message.DESCRIPTOR.name}: {error}"
        ) from None
    return message


def with_base64_ids(value: Any) -> Any:
    """``value`` with OTLP JSON's hex ids rewritten as the base64 that protobuf's JSON reads."""
    if isinstance(value, list):
        return [with_base64_ids(item) for item in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key in HEX_ID_FIELDS and isinstance(item, str):
            try:
                out[key] = base64.b64encode(bytes.fromhex(item)).decode()
            except (ValueError, binascii.Error):
                raise BadRequest(f"{key} {item[:40]!r} is not a hex id") from None
        else:
            out[key] = with_base64_ids(item)
    return out
