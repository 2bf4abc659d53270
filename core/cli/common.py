"""What every `paperkg` verb shares: options, exit codes, the one error format, and help without typer artefacts."""

from __future__ import annotations

import functools
import json
import sqlite3
from pathlib import Path
from typing import Annotated, Any, NoReturn

import click
import typer
from paperkg.errors import PaperkgError
from paperkg.storage import storage_error
from rich.console import Console
from typer.core import TyperArgument, TyperGroup, TyperOption

console = Console()
err_console = Console(stderr=True)

# One exit code per error class, documented in `paperkg --help` and the README; cron jobs can rely on them.
EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
EXIT_CODES_HELP = (
    "Exit codes: 0 success (also 'nothing new to do'); "
    "1 the command could not be done (an index or the graph not built yet, a model mismatch, a server "
    "unreachable); 2 the command line names something wrong (unknown option or bad value, unknown paper id "
    "or entity, an input path missing or unreadable)."
)

HomeOpt = Annotated[Path | None, typer.Option("--home", help="data home (default: $PAPERKG_HOME or ~/.paperkg)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON instead of a table")]
# the same spelling on every verb that returns a ranked list
KOpt = Annotated[int, typer.Option("-k", "--k", min=1, max=1000, help="number of results")]


def exit_code(exc: BaseException) -> int:
    """The documented exit code of an error: unknown ids and unreadable inputs are the caller's mistake (2)."""
    if isinstance(exc, PaperkgError) and exc.http_status in (404, 422):
        return EXIT_USAGE
    return EXIT_ERROR


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    """Print the one error line every verb uses and exit with `code`."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)  # one line, paths unbroken
    raise typer.Exit(code)


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class PaperkgGroup(TyperGroup):
    """The top-level command group: user-facing errors from any verb print one `error:` line with the documented
    exit code (never a traceback), and help texts lose typer's `<bool>` and `{ARG}` decorations."""

    def make_context(self, *args: Any, **kwargs: Any) -> click.Context:
        _polish(self)  # here, not in __init__: every verb and sub-app is registered by now
        return super().make_context(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PaperkgError as exc:
            fail(str(exc), exit_code(exc))
        except (ValueError, FileNotFoundError) as exc:  # raised by libraries on bad values; one line, not a trace
            fail(str(exc), EXIT_ERROR)
        except (OSError, sqlite3.Error, RuntimeError) as exc:  # disk full, read-only home: name cause and file
            converted = storage_error(exc)
            if converted is None:
                raise
            fail(str(converted), EXIT_ERROR)


def _usage_piece(param: TyperArgument, _ctx: click.Context) -> list[str]:
    name = param.metavar or param.name.upper()  # type: ignore[union-attr]
    if param.nargs != 1:
        name += "..."
    return [name if param.required else f"[{name}]"]


def _help_option(command: click.Command, original: Any, ctx: click.Context) -> click.Option | None:
    option = original(ctx)
    if option is not None:
        option.metavar = ""
    return option


def _polish(command: click.Command) -> None:
    """Flags show no `<bool>` type; arguments read QUERY (required) or [QUERY] (optional), not `{query}`."""
    if getattr(command, "_paperkg_polished", False):
        return
    command._paperkg_polished = True  # type: ignore[attr-defined]
    command.get_help_option = functools.partial(_help_option, command, command.get_help_option)  # type: ignore[method-assign]
    for param in command.params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""
        elif isinstance(param, TyperArgument):
            if param.metavar is None:
                param.metavar = param.name.upper()  # type: ignore[union-attr]
            param.get_usage_pieces = functools.partial(_usage_piece, param)  # type: ignore[method-assign]
    for sub in (getattr(command, "commands", None) or {}).values():  # typer's groups are not click.Group here
        _polish(sub)
