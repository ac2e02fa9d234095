"""The load-generator side of the /healthz-under-errors scenario (job kind ``burst``).

Rounds of: ``alone`` probes of /healthz one after another on their own connection, then a burst
of ``burst`` requests, ``in_flight`` at a time on connections of their own, while the same probe
connection reads /healthz back to back until the burst's last answer is in. The bursts take
turns between the two kinds in ``bursts`` (requests that fail, and the control: as many that
succeed). Each side's probes are recorded apart, and the sides interleave over the whole run, so
a drift of the machine's speed hits them alike.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bench.http1 import Connection, Pool
from bench.loadgen import Recorder, Result, drive, prepared, send


async def burst_job(job: dict[str, Any]) -> Result:
    base_url = job["base_url"]
    size, in_flight = int(job["burst"]), int(job["in_flight"])
    kinds: dict[str, dict[str, Any]] = job["bursts"]
    alone = Recorder()
    during = {kind: Recorder() for kind in kinds}
    answers = {kind: Recorder() for kind in kinds}
    async with Connection(base_url) as probe, Pool(base_url, in_flight) as pool:
        health = prepared(probe.host, {"path": "/healthz"})
        requests = {kind: prepared(probe.host, spec) for kind, spec in kinds.items()}
        # Every connection opened before the clock, with probes, so the first burst of
        # failures holds the first errors.
        await asyncio.gather(*(send(pool, health, None) for _ in range(in_flight)))
        for _ in range(int(job["warmup"])):
            await send(probe, health, None)
        for _ in range(int(job["rounds"])):
            for kind in kinds:
                for _ in range(int(job["alone"])):
                    await send(probe, health, alone)

                async def one(index: int, kind: str = kind) -> None:
                    await send(pool, requests[kind], answers[kind])

                burst = asyncio.ensure_future(drive(in_flight, one, count=size))
                while not burst.done():
                    await send(probe, health, during[kind])
                await burst
    return {
        "alone": alone.result(0.0),
        "during": {kind: recorder.result(0.0) for kind, recorder in during.items()},
        "answers": {kind: recorder.result(0.0) for kind, recorder in answers.items()},
    }
