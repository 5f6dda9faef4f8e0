"""The `unionwatch` command: dispatches to one module per subcommand; no arguments runs the demo."""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

from flows import commands as commands_package
from flows import environment
from flows.commands import common, demo

DESCRIPTION = """\
Watch UK trade-union publications for shared services and back-office cuts.

With no command, runs `unionwatch demo`: serves bundled sample sites on 127.0.0.1,
ingests them into data/demo.duckdb and shows what was flagged. No internet needed."""

EPILOG = """\
examples:
  unionwatch demo                         # offline demo against bundled sample sites
  unionwatch run                          # ingest sources.toml into data/unionwatch.duckdb
  unionwatch run --sources my.toml --db /srv/uw.duckdb
  unionwatch COMMAND --help               # what each command does and takes

environment (each optional):
  PREFECT_API_URL                  the Prefect server to use (else serve's, a kept one, or a new one)
  UNIONWATCH_SERVER_LINGER         seconds a server a command started stays for the next (300; 0: none)
  UNIONWATCH_DUCKDB_MEMORY_LIMIT   DuckDB memory cap when writing (128MB)
  UNIONWATCH_CACHE                 where the relatedness model's fitted weights are kept (~/.cache/unionwatch)
  alert channels (SMTP, Slack, Teams, webhooks): docs/alerts.md; scheduling and scale: docs/scaling.md

exit codes: 0 ok, 1 a source failed (the others were loaded), 2 bad config or usage,
            3 warehouse busy or unwritable, 4 the local Prefect server did not start"""



def command_modules() -> list:
    """Every module in flows/commands that defines `register`, in name order."""
    modules = (importlib.import_module(f"flows.commands.{info.name}")
               for info in pkgutil.iter_modules(commands_package.__path__))
    return [module for module in modules if hasattr(module, "register")]


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="unionwatch", description=DESCRIPTION, epilog=EPILOG,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-q", "--quiet", action="store_true", help="print only summaries and errors")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in command_modules():
        module.register(commands)
    parser.set_defaults(handler=demo.handle, db=common.DEFAULT_DEMO_DB)  # no command: the demo
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = build_parser().parse_args(argv)
    environment.configure()
    common.configure_logging(args.quiet)
    # Imported only now: the environment above must be in place before Prefect or GX load.
    from config.sources import ConfigError
    from flows.prefect_server import ServerError, SettingError, linger_seconds
    from warehouse.db import WarehouseError

    try:
        linger_seconds()  # a mistyped setting stops the command before its first request
        return args.handler(args)
    except ConfigError as exc:
        return common.fail(f"config error: {exc}", common.EXIT_USAGE)
    except SettingError as exc:
        return common.fail(str(exc), common.EXIT_USAGE)
    except WarehouseError as exc:
        return common.fail(str(exc), common.EXIT_WAREHOUSE)
    except ServerError as exc:
        return common.fail(str(exc), common.EXIT_PREFECT)


if __name__ == "__main__":
    sys.exit(main())
