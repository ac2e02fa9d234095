"""The 401 an MCP client gets for a missing or bad token, worded for the person reading it.

MCP clients print the response body of a failed connection, so the body's ``error`` says which
header to set and where a token comes from. The ``WWW-Authenticate`` challenge names no
``resource_metadata``: this server offers no OAuth, and that parameter is what tells an MCP client
to look for an authorization server (docs/mcp.md, "Troubleshooting").
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from agent_activity.api.projects.errors import body
from agent_activity.domain.errors import Unauthenticated

REALM = "agent-activity"
HOW_TO_FIX = (
    "Agent Activity needs the header 'Authorization: Bearer <token>' in this MCP server's "
    "config (no OAuth sign-in: this server has none). Create a token with "
    "'agent-activity token create' or use the one 'serve --demo' printed."
)


def refuse(request: Request, error: Unauthenticated) -> Response:
    """401 in the project family's shape, with the reason and the fix in ``error``."""
    content = body(error, 401)
    content["error"] = f"{error.message}. {HOW_TO_FIX}"
    challenge = f'Bearer realm="{REALM}"'
    # RFC 6750: a request that sent no credentials gets no error code, one that sent a bad one does.
    if request.headers.get("authorization"):
        description = error.message.replace('"', "'")
        challenge += f', error="invalid_token", error_description="{description}"'
    return JSONResponse(content, status_code=401, headers={"WWW-Authenticate": challenge})
