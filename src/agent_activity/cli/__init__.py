"""The `agent-activity` command.

One module per command or command group, each with its own ``typer.Typer`` named ``app``: a
module added without a name has its commands merged into the top level, a group is mounted under
its name. A new command group (``export``, ``verify``, ``retention`` ...) is a new module and
one line below.
"""

from __future__ import annotations

import typer

from agent_activity.cli import demo, directory, serve, setup, storage, tokens

app = typer.Typer(help="Agent Activity: what your AI agents are doing.", no_args_is_help=True)

for commands in (setup.app, demo.app, serve.app, directory.app):
    app.add_typer(commands)
app.add_typer(tokens.app, name="token")
app.add_typer(directory.projects_app, name="projects")
app.add_typer(directory.agents_app, name="agents")
app.add_typer(directory.users_app, name="users")
storage.register(app)
