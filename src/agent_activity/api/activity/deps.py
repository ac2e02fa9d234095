"""Dependencies of this family: the cursor codec and the query parameters every feed shares."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Request

from agent_activity.api.activity.schemas import UtcTime
from agent_activity.domain.activity.cursor import CursorCodec, load_secret
from agent_activity.domain.errors import FieldIssue, Invalid
from agent_activity.runtime import Runtime


class CursorKeys:
    """Builds the cursor codec once per process, loading or creating the shared key."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.codec: CursorCodec | None = None

    async def get(self) -> CursorCodec:
        if self.codec is None:
            secret = self.runtime.settings.session_secret
            if not secret:
                async with self.runtime.sessionmaker() as session, session.begin():
                    secret = await load_secret(session)
            self.codec = CursorCodec(secret)
        return self.codec


async def get_codec(request: Request) -> CursorCodec:
    keys: CursorKeys = request.app.state.cursor_keys
    return await keys.get()


CodecDep = Annotated[CursorCodec, Depends(get_codec)]


@dataclass(frozen=True)
class PageParams:
    start: datetime | None
    end: datetime | None
    limit: int
    cursor: str | None
    exclude_dashboard_reads: bool = False


async def page_params(  # async: no thread-pool hop (see api/deps.py)
    start_time: Annotated[
        UtcTime | None, Query(description="ISO timestamp; records at or after it.")
    ] = None,
    end_time: Annotated[
        UtcTime | None, Query(description="ISO timestamp; records before it.")
    ] = None,
    limit: Annotated[
        int, Query(ge=1, le=200, description="Maximum number of items to return (1-200)")
    ] = 50,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            description="Cursor for pagination (from previous response's next_cursor)",
        ),
    ] = None,
    exclude_dashboard_reads: Annotated[
        bool,
        Query(description="Leave out the dashboard's own reads (an addition to file 004)."),
    ] = False,
) -> PageParams:
    return PageParams(
        start=start_time,
        end=end_time,
        limit=limit,
        cursor=cursor,
        exclude_dashboard_reads=exclude_dashboard_reads,
    )


def check_range(start: datetime | None, end: datetime | None) -> None:
    if start and end and start > end:
        message = "start_time must not be after end_time"
        issue = FieldIssue(("query", "start_time"), message, "value_error", start.isoformat())
        raise Invalid(message, [issue])


PageDep = Annotated[PageParams, Depends(page_params)]
Hours = Annotated[int, Query(ge=1, le=168, description="Hours to look back")]
ExcludeDashboardReads = Annotated[
    bool, Query(description="Leave out the dashboard's own reads (an addition to file 004).")
]
