"""`python -m agent_activity.cli`: the same command as the `agent-activity` script."""

from agent_activity.cli import app

app()
