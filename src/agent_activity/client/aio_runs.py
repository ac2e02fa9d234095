"""``AsyncClient.runs``: the async twin of ``runs.Runs``, method for method."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any, Unpack

from agent_activity.client import calls
from agent_activity.client._http import AsyncHttp
from agent_activity.client.errors import ApiError
from agent_activity.client.models import Run, RunGroup, RunPage
from agent_activity.client.runs import MAX_PER_PAGE, TrackedRun

# Named outside the class, where ``list`` is one of its methods.
RunGroups = list[RunGroup]


class AsyncRuns:
    def __init__(self, http: AsyncHttp) -> None:
        self._http = http

    async def create(
        self,
        agent_uid: str,
        *,
        trigger_type: str,
        status: str = "pending",
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Run:
        body = {"trigger_type": trigger_type, "status": status, **fields}
        call = calls.create_run(agent_uid, body, idempotency_key)
        return Run.from_resource(await self._http.data(call))

    async def get(self, agent_uid: str, run_id: str) -> Run:
        return Run.from_resource(await self._http.data(calls.get_run(agent_uid, run_id)))

    async def update(
        self,
        agent_uid: str,
        run_id: str,
        *,
        status: str | None = None,
        token_usage: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> Run:
        call = calls.update_run(
            agent_uid, run_id, status=status, token_usage=token_usage, error=error
        )
        return Run.from_resource(await self._http.data(call))

    async def list(
        self,
        agent_uid: str,
        *,
        page: int = 1,
        per_page: int = 10,
        **filters: Unpack[calls.RunFilters],
    ) -> RunPage:
        call = calls.list_runs(agent_uid, filters, page=page, per_page=per_page)
        return RunPage.from_data(await self._http.data(call))

    async def groups(
        self,
        agent_uid: str,
        *,
        page: int = 1,
        per_page: int = 10,
        **filters: Unpack[calls.RunFilters],
    ) -> RunGroups:
        call = calls.list_runs(agent_uid, filters, page=page, per_page=per_page, group_by="trigger")
        return [RunGroup.from_item(item) for item in (await self._http.data(call))["items"]]

    async def pages(
        self, agent_uid: str, *, per_page: int = MAX_PER_PAGE, **filters: Unpack[calls.RunFilters]
    ) -> AsyncIterator[RunPage]:
        page = 1
        while True:
            current = await self.list(agent_uid, page=page, per_page=per_page, **filters)
            if current.items:
                yield current
            if page >= current.total_pages:
                return
            page += 1

    async def iter(
        self, agent_uid: str, *, per_page: int = MAX_PER_PAGE, **filters: Unpack[calls.RunFilters]
    ) -> AsyncIterator[Run]:
        async for current in self.pages(agent_uid, per_page=per_page, **filters):
            for run in current.items:
                yield run

    @contextlib.asynccontextmanager
    async def track(
        self, agent_uid: str, *, trigger_type: str, **fields: Any
    ) -> AsyncIterator[TrackedRun]:
        """As ``Runs.track``; a cancelled task marks the run cancelled."""
        key = calls.new_idempotency_key()
        run = await self.create(
            agent_uid, trigger_type=trigger_type, status="running", idempotency_key=key, **fields
        )
        tracked = TrackedRun(run)
        try:
            yield tracked
        except BaseException as exc:
            await self._finish(agent_uid, tracked, exc)
            raise
        await self._finish(agent_uid, tracked, None)

    async def _finish(self, agent_uid: str, tracked: TrackedRun, exc: BaseException | None) -> None:
        status, error = calls.outcome(exc)
        try:
            tracked.run = await self.update(
                agent_uid,
                tracked.id,
                status=status,
                token_usage=tracked.pending_tokens,
                error=error,
            )
        except ApiError as failure:
            if exc is None:
                raise
            exc.add_note(f"agent-activity: could not mark run {tracked.id} {status}: {failure}")
            return
        tracked.pending_tokens = {}
