"""`paperkg` entry point: each verb parses flags, calls one library function and prints its result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from paperkg.settings import Settings, load_settings

app = typer.Typer(
    help="paperkg: ingest arXiv papers, search them (dense + BM25), and explore their knowledge graph.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

HomeOpt = Annotated[
    Optional[Path], typer.Option("--home", help="data home (default: $PAPERKG_HOME or ~/.paperkg)")
]


def settings_for(home: Path | None, **overrides: object) -> Settings:
    return load_settings(home, **overrides)


def print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@app.command("config")
def config_cmd(home: HomeOpt = None) -> None:
    """Print the resolved settings (defaults < HOME/config.toml < PAPERKG_* env < flags)."""
    print_json(settings_for(home).public_dict())


@app.callback()
def main() -> None:
    """paperkg: ingest arXiv papers, search them, and explore their knowledge graph."""
