"""Collection verbs: `paperkg collection create|rename|delete|add|remove|dismiss|show|list`, and the top-level
`feed`, `export` and `import`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from paperkg.artifacts import atomic_write_text
from paperkg.catalog import Catalog, open_catalog
from paperkg.cli.common import HomeOpt, JsonOpt, KOpt, console, fail
from paperkg.cli.output import listing_table
from paperkg.settings import Settings, load_settings
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="Collections: named lists of papers (and papers dismissed as not relevant) that drive `paperkg feed`.",
    no_args_is_help=True,
)
err = Console(stderr=True)

NameArg = Annotated[str, typer.Argument(help="collection name")]
IdsArg = Annotated[list[str], typer.Argument(help="paper ids")]


@contextmanager
def _catalog(home: Path | None) -> Iterator[tuple[Settings, Catalog]]:
    """The settings and catalog; errors reach PaperkgGroup, which prints one line with the documented exit code."""
    settings = load_settings(home)
    with open_catalog(settings.catalog_path) as catalog:
        yield settings, catalog


def _json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _show(catalog: Catalog, name: str, as_json: bool) -> None:
    m = catalog.collection_members(name)
    if as_json:
        _json(
            {
                "name": m.info.name,
                "papers": [pid for _pk, pid, _t, _a in m.papers],
                "dismissed": [pid for _pk, pid, _t, _a in m.dismissed],
            }
        )
        return
    console.print(f"{m.info.name}: {len(m.papers)} papers, {len(m.dismissed)} dismissed", markup=False, highlight=False)
    if m.papers or m.dismissed:
        table = listing_table(None, ["#", "id", "title", "status"])
        rows = [(pid, title, "") for _pk, pid, title, _a in m.papers]
        rows += [(pid, title, "dismissed") for _pk, pid, title, _a in m.dismissed]
        for i, (pid, title, status) in enumerate(rows, start=1):
            table.add_row(str(i), escape(pid), escape(title), status)
        console.print(table)


@app.command("create")
def create_cmd(name: NameArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Create an empty collection."""
    with _catalog(home) as (_s, catalog), catalog.transaction():
        info = catalog.create_collection(name)
    if as_json:
        _json({"name": info.name, "id": info.id})
    else:
        typer.echo(f"created collection {info.name!r}")


@app.command("rename")
def rename_cmd(name: NameArg, new_name: Annotated[str, typer.Argument(help="new name")], home: HomeOpt = None) -> None:
    """Rename a collection."""
    with _catalog(home) as (_s, catalog), catalog.transaction():
        info = catalog.rename_collection(name, new_name)
    typer.echo(f"renamed {name!r} to {info.name!r}")


@app.command("delete")
def delete_cmd(name: NameArg, home: HomeOpt = None) -> None:
    """Delete a collection (the papers stay in the catalog)."""
    with _catalog(home) as (_s, catalog), catalog.transaction():
        info = catalog.delete_collection(name)
    typer.echo(f"deleted collection {info.name!r} ({info.papers} papers, {info.dismissed} dismissed)")


def _set_state(name: str, ids: list[str], state: str, home: Path | None, as_json: bool) -> None:
    with _catalog(home) as (_s, catalog):
        with catalog.transaction():
            changed = catalog.set_collection_state(name, ids, state)  # type: ignore[arg-type]
        if as_json:
            _show(catalog, name, True)
        else:
            verb = "added to" if state == "member" else "dismissed from"
            typer.echo(f"{changed} paper(s) {verb} {name!r}" + ("" if changed else " (nothing to do)"))


@app.command("add")
def add_cmd(name: NameArg, ids: IdsArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Add papers to a collection (a dismissed paper becomes a member again)."""
    _set_state(name, ids, "member", home, as_json)


@app.command("dismiss")
def dismiss_cmd(name: NameArg, ids: IdsArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Mark papers not relevant to a collection: its feed steers away from them and never shows them."""
    _set_state(name, ids, "dismissed", home, as_json)


@app.command("remove")
def remove_cmd(name: NameArg, ids: IdsArg, home: HomeOpt = None) -> None:
    """Forget papers in a collection, whether members or dismissed."""
    with _catalog(home) as (_s, catalog), catalog.transaction():
        removed = catalog.remove_from_collection(name, ids)
    typer.echo(f"{removed} paper(s) removed from {name!r}" + ("" if removed else " (nothing to do)"))


@app.command("show")
def show_cmd(name: NameArg, home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """A collection's papers and dismissed papers."""
    with _catalog(home) as (_s, catalog):
        _show(catalog, name, as_json)


@app.command("list")
def list_cmd(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """Every collection with its counts."""
    with _catalog(home) as (_s, catalog):
        infos = catalog.list_collections()
    if as_json:
        _json(
            [
                {
                    "name": i.name,
                    "id": i.id,
                    "papers": i.papers,
                    "dismissed": i.dismissed,
                    "created": i.created,
                    "updated": i.updated,
                }
                for i in infos
            ]
        )
        return
    if not infos:
        typer.echo("no collections yet (paperkg collection create NAME)")
    for i in infos:
        typer.echo(f"{i.name}: {i.papers} papers, {i.dismissed} dismissed")


# --- top-level verbs -------------------------------------------------------------------------------------
def feed_cmd(
    name: NameArg,
    since: Annotated[str | None, typer.Option("--since", help="YYYY-MM-DD (default: 7 days ago)")] = None,
    k: KOpt = 20,
    fmt: Annotated[str, typer.Option("--format", help="markdown, html or json")] = "markdown",
    by: Annotated[str, typer.Option("--by", help="new means: added (to the catalog), published, or either")] = "either",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="write to this file (default: stdout)")] = None,
    home: HomeOpt = None,
) -> None:
    """New papers for a collection, ranked by its papers (positive) and dismissed papers (negative), each with
    why. Stable output for cron + mail; exit 0 with "Nothing new." when nothing new matched."""
    from paperkg.feed import FORMATS, build_feed, render

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    with _catalog(home) as (settings, catalog):
        text = render(build_feed(catalog, settings, name, since=since, k=k, by=by), fmt)  # type: ignore[arg-type]
    _write(text, output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=not text.endswith("\n"))
        return
    atomic_write_text(output, text)  # a reader (a mailer) never sees half a file
    err.print(f"wrote {escape(str(output))}", highlight=False)


def export_cmd(
    collection: Annotated[str | None, typer.Option("--collection", help="export this collection's papers")] = None,
    search: Annotated[str | None, typer.Option("--search", help="export the results of this search")] = None,
    related: Annotated[str | None, typer.Option("--related", help="export the papers related to this id")] = None,
    k: KOpt = 20,
    fmt: Annotated[str, typer.Option("--format", help="bibtex, ris or csv")] = "bibtex",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
    home: HomeOpt = None,
) -> None:
    """Export a collection, search results or related papers as BibTeX, RIS or CSV (arXiv id, DOI, authors,
    year, URL)."""
    from paperkg.bibexport import EXPORT_FORMATS, export

    if fmt not in EXPORT_FORMATS:
        fail(f"--format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")
    if sum(x is not None for x in (collection, search, related)) != 1:
        fail("give exactly one of --collection, --search or --related")
    with _catalog(home) as (settings, catalog):
        papers = _export_papers(catalog, settings, collection, search, related, k)
        text = export(papers, fmt)  # type: ignore[arg-type]
    _write(text, output)


def _export_papers(catalog: Catalog, settings: Settings, collection, search, related, k):
    if collection is not None:
        pks = [pk for pk, *_ in catalog.collection_members(collection).papers]
        by_pk = catalog.papers_by_pk(pks)
        return [by_pk[pk] for pk in pks]
    if search is not None:
        from paperkg.index.search import Searcher

        return [h.paper for h in Searcher(settings, catalog).search(search, k=k)]
    from paperkg.graph.recommend import related as related_papers
    from paperkg.records import normalize_id

    recs = related_papers(catalog, settings, normalize_id(related), k)
    by_pk = catalog.papers_by_pk(pks := [catalog.paper_pk(r.id) for r in recs])
    return [by_pk[pk] for pk in pks]


def import_cmd(
    file: Annotated[Path, typer.Argument(help="a BibTeX (.bib) or RIS (.ris) file, e.g. from Zotero or Mendeley")],
    collection: Annotated[str, typer.Option("--collection", help="add the matched papers to this collection")],
    fmt: Annotated[str | None, typer.Option("--format", help="bibtex or ris (default: from the file)")] = None,
    no_create: Annotated[bool, typer.Option("--no-create", help="fail if the collection does not exist")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import a bibliography into a collection: entries match catalog papers by arXiv id, DOI, then fuzzy
    title; the entries that match nothing are listed."""
    from paperkg.bibimport import import_file

    if fmt not in (None, "bibtex", "ris"):
        fail(f"--format must be bibtex or ris, not {fmt!r}")
    with _catalog(home) as (_s, catalog):
        report = import_file(catalog, file, collection, fmt=fmt, create=not no_create)  # type: ignore[arg-type]
    for message in report.errors:
        err.print(f"[yellow]skipped:[/yellow] {escape(message)}", highlight=False)
    if as_json:
        _json(report.to_dict())
        return
    typer.echo(
        f"{report.entries} entries: {report.matched} matched ({report.by['arxiv']} by arXiv id, {report.by['doi']} "
        f"by DOI, {report.by['title']} by title), {report.added} added to {report.collection!r}"
        + (" (new collection)" if report.created else "")
    )
    for label in report.unmatched:
        typer.echo(f"  unmatched: {label}")


def register(main_app: typer.Typer) -> None:
    """Mount `collection` and add the top-level `feed`, `export` and `import` verbs."""
    main_app.add_typer(app, name="collection")
    main_app.command("feed")(feed_cmd)
    main_app.command("export")(export_cmd)
    main_app.command("import")(import_cmd)
