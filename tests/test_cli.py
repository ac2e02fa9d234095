"""The agent-activity command, driven as a user would: init, token, demo, serve --demo."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from agent_activity.cli import app
from tests.live_server import free_port, wait_ready

runner = CliRunner()


@pytest.fixture
def cli_env(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("AGENT_ACTIVITY_DATABASE_URL", database_url)
    yield database_url


def invoke(*args: str) -> str:
    """What a command prints on stdout: logs go to stderr, so ``--json`` output stays parseable."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_init_json_prints_ids_and_a_token(cli_env: str) -> None:
    output = json.loads(invoke("init", "--json", "--org", "Acme", "--email", "a@acme.test"))
    assert set(output) == {"org_id", "workspace_id", "project_id", "user_id", "token"}
    assert output["token"].startswith("aa_")


def test_token_create_list_revoke(cli_env: str) -> None:
    invoke("init", "--json")
    created = json.loads(invoke("token", "create", "--json", "--scope", "read", "--name", "ci"))
    listing = [json.loads(line) for line in invoke("token", "list", "--json").splitlines()]
    mine = next(t for t in listing if t["id"] == created["id"])
    assert mine["scopes"] == ["read"] and mine["revoked_at"] is None
    assert created["token"] not in json.dumps(listing)
    invoke("token", "revoke", created["id"])
    listing = [json.loads(line) for line in invoke("token", "list", "--json").splitlines()]
    assert next(t for t in listing if t["id"] == created["id"])["revoked_at"] is not None
    assert "revoked" in invoke("token", "list")


def test_token_create_refuses_unknown_scopes(cli_env: str) -> None:
    invoke("init", "--json")
    result = runner.invoke(app, ["token", "create", "--scope", "root"])
    assert result.exit_code == 2
    assert "unknown scopes" in result.output


def test_commands_that_need_an_org_say_so(cli_env: str) -> None:
    result = runner.invoke(app, ["token", "create"])
    assert result.exit_code == 2
    assert "agent-activity init" in result.output


def test_migrate_is_idempotent(cli_env: str) -> None:
    assert "up to date" in invoke("migrate")
    assert "up to date" in invoke("migrate")


@pytest.mark.parametrize("dialect", ["sqlite"], indirect=True)
def test_serve_demo_answers_readyz_and_an_authenticated_request(
    tmp_path: Path, dialect: str
) -> None:
    port = free_port()
    env = {**os.environ, "AGENT_ACTIVITY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/d.db"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "agent_activity.cli",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--demo-runs",
            "60",
            "--demo-records",
            "2000",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        if not wait_ready(base):
            pytest.fail("serve --demo did not become ready")
        process.terminate()
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    match = re.search(r"Bearer (aa_[\w-]+)' (\S+/activity/summary)", output)
    assert match, output
    token, url = match.groups()
    assert url.startswith(base)
    # The server is stopped: start it again on the same database, now already filled.
    process = subprocess.Popen(
        [sys.executable, "-m", "agent_activity.cli", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_ready(base, 60)
        authorised = httpx.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert authorised.status_code == 200, authorised.text
        assert authorised.json()["total_requests"] > 0
        assert httpx.get(url, timeout=10).status_code == 401
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_init_prints_the_project_id_and_settings_to_paste(cli_env: str) -> None:
    output = invoke("init", "--url", "http://demo.test:9000/")
    project_id = re.search(r"project id: (\S+)", output)
    assert project_id, output
    config = json.loads(output[output.index("{") : output.index("\n}\n") + 2])
    server = config["mcpServers"]["agent-activity"]
    assert server["url"] == "http://demo.test:9000/mcp"
    assert server["headers"]["X-Project-Id"] == project_id.group(1)
    assert server["headers"]["Authorization"].startswith("Bearer aa_")
    assert "OTEL_EXPORTER_OTLP_ENDPOINT=http://demo.test:9000/otlp" in output


def test_projects_agents_users_list_and_whoami(cli_env: str) -> None:
    first = json.loads(invoke("init", "--json", "--org", "Acme", "--project", "Web"))
    second = json.loads(invoke("init", "--json", "--org", "Beta", "--project", "Other"))
    projects = [json.loads(line) for line in invoke("projects", "list", "--json").splitlines()]
    assert [p["id"] for p in projects] == [first["project_id"]]  # the oldest org by default
    other = invoke("projects", "list", "--json", "--org", second["org_id"])
    assert [json.loads(line)["name"] for line in other.splitlines()] == ["Other"]
    table = invoke("projects", "list")
    assert first["project_id"] in table  # whole, ready to copy
    with_token = invoke("projects", "list", "--json", "--token", second["token"])
    assert [json.loads(line)["id"] for line in with_token.splitlines()] == [second["project_id"]]
    users = [json.loads(line) for line in invoke("users", "list", "--json").splitlines()]
    assert [u["id"] for u in users] == [first["user_id"]]
    assert invoke("agents", "list", "--json") == ""
    facts = json.loads(invoke("whoami", "--json", "--token", first["token"]))
    assert facts["org_id"] == first["org_id"]
    assert facts["principal_id"] == first["user_id"]
    assert [p["id"] for p in facts["projects"]] == [first["project_id"]]
    refused = runner.invoke(app, ["whoami", "--token", "aa_nope"])
    assert refused.exit_code == 2 and "Unknown token" in refused.output


def test_token_list_shows_whole_ids_and_revoking_twice_says_so(cli_env: str) -> None:
    invoke("init", "--json")
    created = json.loads(invoke("token", "create", "--json"))
    assert created["id"] in invoke("token", "list")
    assert "revoked" in invoke("token", "revoke", created["id"])
    assert "already revoked" in invoke("token", "revoke", created["id"])


def test_serve_help_shows_defaults_and_examples() -> None:
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["serve", "--help"])
    assert result.exit_code == 0
    assert "127.0.0.1" in result.output and "8000" in result.output
    assert "AGENT_ACTIVITY_HOST" in result.output
    assert "Example" in result.output
