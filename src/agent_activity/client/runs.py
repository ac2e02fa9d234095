"""``client.runs``: record runs, move them, list them, walk every page, track a block of work."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any, Unpack

from agent_activity.client import calls
from agent_activity.client._http import SyncHttp
from agent_activity.client.errors import ApiError
from agent_activity.client.models import Run, RunGroup, RunPage

MAX_PER_PAGE = 100

# Named outside the class, where ``list`` is one of its methods.
RunGroups = list[RunGroup]


class TrackedRun:
    """The handle a ``track`` block gets: the run, and token counts to report when it ends."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.pending_tokens: dict[str, int] = {}

    @property
    def id(self) -> str:
        return self.run.id

    def add_tokens(self, **counts: int) -> None:
        """Count tokens (input=..., output=...); they are sent with the final status."""
        for kind, count in counts.items():
            self.pending_tokens[kind] = self.pending_tokens.get(kind, 0) + count


class Runs:
    def __init__(self, http: SyncHttp) -> None:
        self._http = http

    def create(
        self,
        agent_uid: str,
        *,
        trigger_type: str,
        status: str = "pending",
        idempotency_key: str | None = None,
        **fields: Any,
    ) -> Run:
        """Create a run; extra fields: workflow_id, approach, agent_version_uid,
        scratchpad_uid, sandbox, metadata. The same idempotency_key returns the same run."""
        body = {"trigger_type": trigger_type, "status": status, **fields}
        call = calls.create_run(agent_uid, body, idempotency_key)
        return Run.from_resource(self._http.data(call))

    def get(self, agent_uid: str, run_id: str) -> Run:
        return Run.from_resource(self._http.data(calls.get_run(agent_uid, run_id)))

    def update(
        self,
        agent_uid: str,
        run_id: str,
        *,
        status: str | None = None,
        token_usage: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> Run:
        """Move the status and/or add token counts (they add up on the service)."""
        call = calls.update_run(
            agent_uid, run_id, status=status, token_usage=token_usage, error=error
        )
        return Run.from_resource(self._http.data(call))

    def list(
        self,
        agent_uid: str,
        *,
        page: int = 1,
        per_page: int = 10,
        **filters: Unpack[calls.RunFilters],
    ) -> RunPage:
        call = calls.list_runs(agent_uid, filters, page=page, per_page=per_page)
        return RunPage.from_data(self._http.data(call))

    def groups(
        self,
        agent_uid: str,
        *,
        page: int = 1,
        per_page: int = 10,
        **filters: Unpack[calls.RunFilters],
    ) -> RunGroups:
        """group_by=trigger: one group per trigger type, each with its own page of runs."""
        call = calls.list_runs(agent_uid, filters, page=page, per_page=per_page, group_by="trigger")
        return [RunGroup.from_item(item) for item in self._http.data(call)["items"]]

    def pages(
        self, agent_uid: str, *, per_page: int = MAX_PER_PAGE, **filters: Unpack[calls.RunFilters]
    ) -> Iterator[RunPage]:
        """Every page in turn, until the last one the service reports."""
        page = 1
        while True:
            current = self.list(agent_uid, page=page, per_page=per_page, **filters)
            if current.items:
                yield current
            if page >= current.total_pages:
                return
            page += 1

    def iter(
        self, agent_uid: str, *, per_page: int = MAX_PER_PAGE, **filters: Unpack[calls.RunFilters]
    ) -> Iterator[Run]:
        """Every run matching the filters, across all pages."""
        for current in self.pages(agent_uid, per_page=per_page, **filters):
            yield from current.items

    @contextlib.contextmanager
    def track(self, agent_uid: str, *, trigger_type: str, **fields: Any) -> Iterator[TrackedRun]:
        """Run a block as a run: running on entry; completed on exit, failed if it raises
        (the exception still propagates), cancelled on KeyboardInterrupt."""
        key = calls.new_idempotency_key()
        run = self.create(
            agent_uid, trigger_type=trigger_type, status="running", idempotency_key=key, **fields
        )
        tracked = TrackedRun(run)
        try:
            yield tracked
        except BaseException as exc:
            self._finish(agent_uid, tracked, exc)
            raise
        self._finish(agent_uid, tracked, None)

    def _finish(self, agent_uid: str, tracked: TrackedRun, exc: BaseException | None) -> None:
        status, error = calls.outcome(exc)
        try:
            tracked.run = self.update(
                agent_uid,
                tracked.id,
                status=status,
                token_usage=tracked.pending_tokens,
                error=error,
            )
        except ApiError as failure:
            if exc is None:
                raise
            # Keep the block's own exception; say why the run could not be marked.
            exc.add_note(f"agent-activity: could not mark run {tracked.id} {status}: {failure}")
            return
        tracked.pending_tokens = {}
