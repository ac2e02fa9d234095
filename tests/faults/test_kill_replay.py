"""kill -9 mid-ingest, then a replay: a real server takes ingest batches from concurrent clients
and is killed with SIGKILL part-way (in the second case its request-log helper process first);
after a restart the clients replay every batch they got no 201 for. Every record of an
acknowledged batch is stored, and no record is stored twice (counted by its id through the
org's feed)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from pathlib import Path

import httpx
import pytest

from tests.faults.served import Served, init_org

BATCHES = 60
BATCH_SIZE = 200
SENDERS = 4
# The kill comes once this many batches were acknowledged, while the others are in flight.
KILL_AFTER = 12
# The records' own time window, apart from the request log's records of "now".
HELPER_MODULE = b"agent_activity.request_log.helper_child"
HELPER_TIMEOUT_S = 20
# As served by default: the request log from its helper process (the tests' default is off).
HELPED = {"AGENT_ACTIVITY_REQUEST_LOG_PROCESS": "true"}
WINDOW = {"start_time": "2026-11-01T00:00:00+00:00", "end_time": "2026-11-02T00:00:00+00:00"}


def batch_of(number: int) -> dict[str, list[dict[str, object]]]:
    activities: list[dict[str, object]] = []
    for index in range(BATCH_SIZE):
        serial = number * BATCH_SIZE + index
        seconds = serial % 86_400
        stamp = f"2026-11-01T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        activities.append(
            {"id": f"kr-{number}-{index}", "action": "replayed", "timestamp": stamp + "+00:00"}
        )
    return {"activities": activities}


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):
            found += [int(child) for child in (task / "children").read_text().split()]
    return found


def helper_pid(server_pid: int) -> int:
    """The request-log helper: the server's child process running the helper module (it is
    started with the app, perhaps a moment after the server answers)."""
    deadline = time.monotonic() + HELPER_TIMEOUT_S
    while time.monotonic() < deadline:
        pending = children(server_pid)
        while pending:
            child = pending.pop()
            with contextlib.suppress(FileNotFoundError):
                if HELPER_MODULE in Path(f"/proc/{child}/cmdline").read_bytes():
                    return child
                pending += children(child)
        time.sleep(0.1)
    pytest.fail("the server has no request-log helper process")


class Ingest:
    """The client side: which batches got a 201, and what the server said it inserted."""

    def __init__(self, org: dict[str, str]) -> None:
        self.org = org
        self.acknowledged: set[int] = set()
        self.inserted = 0
        self.duplicates = 0
        self.enough = asyncio.Event()

    async def send(self, http: httpx.AsyncClient, number: int) -> bool:
        try:
            answer = await http.post(
                f"/v1/orgs/{self.org['org_id']}/activity", json=batch_of(number)
            )
        except httpx.TransportError:
            return False  # no answer: the batch may or may not be stored, so it is replayed
        if answer.status_code != 201:
            return False
        body = answer.json()
        assert body["inserted"] + body["duplicates"] == BATCH_SIZE, body
        self.acknowledged.add(number)
        self.inserted += body["inserted"]
        self.duplicates += body["duplicates"]
        if len(self.acknowledged) >= KILL_AFTER:
            self.enough.set()
        return True

    async def run(self, base_url: str, numbers: list[int]) -> None:
        """Sends ``numbers`` from SENDERS concurrent clients; a sender stops at its first
        batch without an answer (its server is gone)."""
        queue = list(numbers)
        headers = {"Authorization": f"Bearer {self.org['token']}"}

        async def sender() -> None:
            async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
                while queue:
                    if not await self.send(http, queue.pop(0)):
                        return

        await asyncio.gather(*(sender() for _ in range(SENDERS)))


async def stored_ids(base_url: str, org: dict[str, str]) -> list[str]:
    """Every ingested id in the window, page by page through the org's feed."""
    ids: list[str] = []
    params: dict[str, str | int] = {**WINDOW, "limit": 200}
    headers = {"Authorization": f"Bearer {org['token']}"}
    async with httpx.AsyncClient(base_url=base_url, headers=headers, timeout=30) as http:
        while True:
            page = await http.get(f"/v1/orgs/{org['org_id']}/activity", params=params)
            assert page.status_code == 200, page.text
            body = page.json()
            ids += [record["id"] for record in body["activities"]]
            if not body["has_more"]:
                return ids
            params["cursor"] = body["next_cursor"]


@pytest.mark.parametrize("kill_helper", [False, True], ids=["server", "server-and-helper"])
async def test_killed_mid_ingest_then_replayed_loses_and_repeats_nothing(
    served_database: str, tmp_path: Path, kill_helper: bool
) -> None:
    org = init_org(served_database)
    ingest = Ingest(org)
    server = Served(served_database, tmp_path / "server.log", env=HELPED).start()
    try:
        assert server.process is not None
        helper = helper_pid(server.process.pid)

        async def kill_mid_way() -> None:
            await ingest.enough.wait()
            if kill_helper:
                os.kill(helper, signal.SIGKILL)
            server.stop(signal.SIGKILL)

        killer = asyncio.create_task(kill_mid_way())
        await ingest.run(server.base_url, list(range(BATCHES)))
    finally:
        server.stop(signal.SIGKILL)
    assert killer.done(), "every batch was acknowledged before the kill: nothing was mid-way"
    killed_with = set(ingest.acknowledged)
    assert KILL_AFTER <= len(killed_with) < BATCHES

    after = Served(served_database, tmp_path / "after.log", env=HELPED).start()
    try:
        survived = set(await stored_ids(after.base_url, org))
        acknowledged_ids = {f"kr-{n}-{i}" for n in killed_with for i in range(BATCH_SIZE)}
        assert acknowledged_ids <= survived, f"{len(acknowledged_ids - survived)} lost"
        await ingest.run(after.base_url, [n for n in range(BATCHES) if n not in killed_with])
        assert ingest.acknowledged == set(range(BATCHES))
        final = await stored_ids(after.base_url, org)
    finally:
        after.stop()
    assert len(final) == len(set(final)) == BATCHES * BATCH_SIZE
    assert set(final) == {f"kr-{n}-{i}" for n in range(BATCHES) for i in range(BATCH_SIZE)}
    # A batch is stored whole or not at all: one in flight at the kill that was stored anyway
    # is all duplicates on its replay, and nothing was inserted twice.
    assert ingest.inserted + ingest.duplicates == BATCHES * BATCH_SIZE
    assert ingest.duplicates % BATCH_SIZE == 0
