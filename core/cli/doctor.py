"""`paperkg doctor [--repair] [--json]`: are the dense, lexical and graph indexes exactly the catalog's papers?"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from paperkg.cli.common import HomeOpt
from rich.console import Console

console = Console()
err_console = Console(stderr=True)


def doctor_cmd(
    home: HomeOpt = None,
    repair: Annotated[bool, typer.Option("--repair", help="bring every index and the graph to the catalog")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Compare the id sets of the catalog, the dense and lexical indexes and the graph; exit 1 on a difference."""
    from paperkg.cli.main import catalog_for, settings_for
    from paperkg.index.sync import check
    from paperkg.pipeline.consistency import repair as repair_home

    settings = settings_for(home)
    with catalog_for(settings, write=repair) as catalog:
        before = check(catalog, settings)
        after = repair_home(catalog, settings, notify=err_console.print) if repair and not before["ok"] else None
    report = {**before, "repaired": after} if repair else before
    final = after or before
    if as_json:
        typer.echo(json.dumps(report, indent=2))
    else:
        console.print(f"catalog: {before['catalog']} papers")
        for part in ("dense", "lexical", "graph"):
            r = before[part]
            if not r["present"]:
                line = "not built"
            else:
                line = f"{r['count']} papers, {r['missing']} missing, {r['extra']} extra"
                line += f", {r['duplicates']} duplicated" if r["duplicates"] else ""
                line += f", {r['stale']} stale" if r.get("stale") else ""
                line += f" (e.g. missing {', '.join(r['missing_ids'][:3])})" if r["missing_ids"] else ""
            console.print(f"{part:>8}: {line}")
        if after is not None:
            console.print("repaired: " + ("everything matches the catalog" if after["ok"] else "differences remain"))
        elif not before["ok"]:
            console.print("run [bold]paperkg doctor --repair[/bold] to rebuild what differs")
        else:
            console.print("everything matches the catalog")
    if not final["ok"]:
        raise typer.Exit(1)


def failed_cmd(
    home: HomeOpt = None,
    stage: Annotated[str | None, typer.Option("--stage", help="tagger or dense (default: both)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Papers a later stage (tagger, dense encoder) could not process, with the reason; retried when they change.

    Records that could not be read at all are listed by `paperkg quarantine`."""
    from paperkg.cli.main import catalog_for, settings_for

    settings = settings_for(home)
    with catalog_for(settings) as catalog:
        rows = catalog.stage_failures(stage, limit)
    if as_json:
        typer.echo(
            json.dumps(
                [{"id": r.paper_id, "stage": r.stage, "reason": r.reason, "failed_at": r.failed_at} for r in rows],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not rows:
        console.print("no failed papers")
        return
    from paperkg.cli.output import listing_table

    table = listing_table(None, ["id", "stage", "reason"])
    for r in rows:
        table.add_row(r.paper_id, r.stage, r.reason)
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_cmd)
    app.command("failed")(failed_cmd)
