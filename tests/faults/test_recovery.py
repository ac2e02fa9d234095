"""The service recovers by itself once the database is back: a server whose PostgreSQL
connection is cut answers 503 while it is gone and serves again, with nothing acknowledged
lost, as soon as the database can be reached again (no restart)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

from tests.conftest import empty_postgres_database
from tests.faults.proxy import Cuttable
from tests.faults.served import Served, init_org

# Generous, to stay true on a loaded machine; the measured time is printed (docs/faults.md).
RECOVERY_BOUND_S = 10.0


@pytest.fixture
def postgres_url(request: pytest.FixtureRequest) -> Iterator[str]:
    with empty_postgres_database(request, "aa_test_recovery") as url:
        yield url


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    netloc = f"{parts.username}@127.0.0.1:{port}" if parts.username else f"127.0.0.1:{port}"
    return urlunsplit(parts._replace(netloc=netloc))


async def test_the_service_recovers_by_itself_when_the_database_returns(
    postgres_url: str, tmp_path: Path
) -> None:
    org = init_org(postgres_url)
    proxy = Cuttable(urlsplit(postgres_url).port or 5432)
    await proxy.open()
    server = Served(through(postgres_url, proxy.port), tmp_path / "server.log")
    await asyncio.to_thread(server.start)
    auth = {"Authorization": f"Bearer {org['token']}"}
    tickets = f"/api/projects/{org['project_id']}/tickets"
    try:
        async with httpx.AsyncClient(base_url=server.base_url, headers=auth, timeout=30) as http:
            before = await http.post(tickets, json={"title": "Before the outage"})
            assert before.status_code == 201, before.text
            await proxy.cut()
            during = await http.get(tickets)
            assert during.status_code == 503, during.text
            assert during.headers["retry-after"] == "2"
            await proxy.open()
            back = time.monotonic()
            while True:
                answer = await http.get(tickets)
                if answer.status_code == 200:
                    break
                assert answer.status_code == 503, answer.text
                assert time.monotonic() - back < RECOVERY_BOUND_S, "never recovered"
                await asyncio.sleep(0.05)
            print(f"recovered {time.monotonic() - back:.3f} s after the database returned")
            assert [t["title"] for t in answer.json()["tickets"]] == ["Before the outage"]
            after = await http.post(tickets, json={"title": "After the outage"})
            assert after.status_code == 201, after.text
    finally:
        await asyncio.to_thread(server.stop)
        await proxy.close()
