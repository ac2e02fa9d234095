"""What `init` and `serve --demo` print so an agent can connect: ids, MCP config, OTLP env.

Every value is filled in, so the blocks can be pasted as they are.
"""

from __future__ import annotations

import json
import uuid

from agent_activity.cli.common import console

# Where the OTLP receiver listens under the server's URL; agents append /v1/logs and the like.
OTLP_PATH = "/otlp"


def mcp_config(url: str, token: str, project_id: uuid.UUID) -> str:
    """Claude Code's `.mcp.json` (Cursor and others take the same "mcpServers" entry)."""
    server = {
        "type": "http",
        "url": f"{url}/mcp",
        "headers": {"Authorization": f"Bearer {token}", "X-Project-Id": str(project_id)},
    }
    return json.dumps({"mcpServers": {"agent-activity": server}}, indent=2)


def otlp_environment(url: str, token: str) -> str:
    return "\n".join(
        (
            "export CLAUDE_CODE_ENABLE_TELEMETRY=1",
            "export OTEL_LOGS_EXPORTER=otlp OTEL_METRICS_EXPORTER=otlp",
            "export OTEL_EXPORTER_OTLP_PROTOCOL=http/json",
            f"export OTEL_EXPORTER_OTLP_ENDPOINT={url}{OTLP_PATH}",
            f'export OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer {token}"',
        )
    )


def print_connection(url: str, token: str, project_id: uuid.UUID) -> None:
    """The project id, then the blocks to paste, each under a heading that says where."""
    console.print(f"project id: [bold]{project_id}[/bold]", soft_wrap=True)
    console.print("\n[bold]MCP[/bold]: put this in .mcp.json (Claude Code, Cursor):")
    console.print(mcp_config(url, token, project_id), soft_wrap=True, markup=False)
    console.print("\nor: ", end="")
    console.print(
        f"claude mcp add --transport http agent-activity {url}/mcp "
        f'--header "Authorization: Bearer {token}" --header "X-Project-Id: {project_id}"',
        soft_wrap=True,
        markup=False,
    )
    console.print("\n[bold]OTLP[/bold]: set this in the agent's shell:")
    console.print(otlp_environment(url, token), soft_wrap=True, markup=False)
