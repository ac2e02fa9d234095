"""`python -m bench`: measure the service against its targets; a full run writes
docs/PERFORMANCE.md."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path

from rich.console import Console

from bench.config import MODES
from bench.lifecycle import end_descendants, until_signalled
from bench.runner import SCENARIOS, run

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_POSTGRES = "postgresql://postgres@127.0.0.1:5432/postgres"
# docs/PERFORMANCE.md is the last full run's: a quick run, at sizes no target is set at, only
# prints its table unless --output asks for a file.
FULL_REPORT = ROOT / "docs" / "PERFORMANCE.md"
NO_FILE = "-"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmark ingest, feeds, search, summaries, runs and presence on SQLite "
        "and PostgreSQL, each against the machine's own raw limits.",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="small sizes, about five minutes (the default)",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="the targets' sizes: 1,000,000 then 10,000,000 records, 1,000,000 runs, "
        "1,000 MCP clients (about an hour)",
    )
    mode.add_argument(
        "--tiny",
        dest="mode",
        action="store_const",
        const="tiny",
        help="the tests' sizes, seconds: checks the harness end to end, measures nothing",
    )
    parser.set_defaults(mode="quick")
    parser.add_argument(
        "--engine",
        choices=["sqlite", "postgresql", "both"],
        default="both",
        help="which storage to measure (default: both)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        help="where to write the report, '-' for none (default: docs/PERFORMANCE.md after a "
        "full run, none after a quick one)",
    )
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("AGENT_ACTIVITY_BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="an admin connection; a fresh database is created on its server and dropped after "
        "(default: $AGENT_ACTIVITY_BENCH_POSTGRES_URL or %(default)s)",
    )
    parser.add_argument(
        "--profile",
        type=Path,
        metavar="DIR",
        help="record the server with py-spy during each scenario into DIR "
        "(read one with `python -m bench.profiling DIR/FILE`)",
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=SCENARIOS,
        default=[],
        metavar="SCENARIO",
        help="run only this scenario (repeatable): " + ", ".join(SCENARIOS),
    )
    args = parser.parse_args(argv)
    if args.output is None:
        args.output = FULL_REPORT if args.mode == "full" else Path(NO_FILE)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    output = None if str(args.output) == NO_FILE else args.output
    # SIGTERM and Ctrl-C stop the run as its end would: children stopped, databases dropped.
    try:
        asyncio.run(
            until_signalled(
                run(
                    MODES[args.mode],
                    engines,
                    postgres_url=args.postgres_url,
                    output=output,
                    # Piped output (a log file) gets a wide table instead of rich's 80 columns.
                    console=Console(width=None if sys.stdout.isatty() else 200),
                    profile_dir=args.profile,
                    only=frozenset(args.only),
                )
            )
        )
    finally:
        end_descendants()


if __name__ == "__main__":
    main()
