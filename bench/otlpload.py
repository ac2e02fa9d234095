"""Load-generator jobs for OTLP: prepared protobuf exports POSTed as fast as the server stores
them (``otlp``), and spans sent by the OpenTelemetry SDK's own OTLP/HTTP exporter
(``sdk-spans``), the way an instrumented application sends them, to any OTLP endpoint."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import otlpdata
from bench.http1 import Pool
from bench.loadgen import Recorder, Result, drive, prepared, send

PROTOBUF = "application/x-protobuf"


async def otlp_job(job: dict[str, Any]) -> Result:
    """POST ``count`` items of ``signal`` as exports of ``batch``; bodies built before the clock."""
    at = datetime.fromisoformat(job["now"])
    signal = job["signal"]
    bodies = list(otlpdata.exports(signal, int(job["count"]), int(job["batch"]), at, job["seed"]))
    headers = {**job["headers"], "Content-Type": PROTOBUF}
    path = otlpdata.OTLP_LOGS if signal == "logs" else otlpdata.OTLP_TRACES
    recorder = Recorder()
    concurrency = int(job["concurrency"])
    async with Pool(job["base_url"], concurrency) as pool:
        post = {"method": "POST", "path": path, "headers": headers}
        requests = [prepared(pool.host, {**post, "content": body}) for body in bodies]

        async def work(index: int) -> None:
            await send(pool, requests[index], recorder)

        elapsed = await drive(concurrency, work, count=len(bodies))
    return recorder.result(elapsed, items=int(job["count"]))


def finished_spans(count: int, seed: int) -> list[Any]:
    """``count`` ended SDK spans (GenAI attributes, as otlpdata's), made before any clock."""
    import random

    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    memory = InMemorySpanExporter()
    resource = Resource.create({"service.name": otlpdata.SPAN_SERVICE})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracer = provider.get_tracer("bench.genai")
    rng = random.Random(seed)
    start = datetime.now(UTC) - timedelta(minutes=5)
    base = int(start.timestamp() * 1e9)
    for index in range(count):
        name, attributes = otlpdata.genai_span(rng, index, f"conversation-{seed}-{index // 50}")
        began = base + index * 1000
        span = tracer.start_span(name, attributes=attributes, start_time=began)
        span.end(end_time=began + rng.randint(1, 3000) * 1_000_000)
    provider.shutdown()
    return list(memory.get_finished_spans())


def sdk_spans_job(job: dict[str, Any]) -> Result:
    """Export ``count`` spans through ``OTLPSpanExporter`` (http/protobuf) in batches of
    ``batch``, one export at a time as the SDK's BatchSpanProcessor sends them."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.trace.export import SpanExportResult

    spans = finished_spans(int(job["count"]), int(job["seed"]))
    exporter = OTLPSpanExporter(endpoint=job["endpoint"], headers=job.get("headers") or {})
    size = int(job["batch"])
    failures = 0
    started_at = time.time()  # wall clock: the harness waits for the spans to be stored
    started = time.perf_counter()
    for first in range(0, len(spans), size):
        if exporter.export(spans[first : first + size]) != SpanExportResult.SUCCESS:
            failures += 1
    elapsed = time.perf_counter() - started
    return {
        "elapsed_s": elapsed,
        "started_at": started_at,
        "spans": len(spans),
        "failed_exports": failures,
    }
