"""Graph verbs: `paperkg graph build|sync|export`, and the top-level `related`, `recommend`, `entity`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from paperkg.catalog import open_catalog
from paperkg.cli.common import HomeOpt, JsonOpt, KOpt, console, err_console, fail
from paperkg.cli.common import print_json as _json
from paperkg.cli.output import listing_table
from paperkg.errors import PaperkgError
from paperkg.settings import load_settings

app = typer.Typer(
    help="Build the embedded knowledge graph, sync it to Neo4j, export it for neo4j-admin.",
    no_args_is_help=True,
)
err = err_console


def _open(home: Path | None):
    settings = load_settings(home)
    return settings, open_catalog(settings.catalog_path)


@app.command("build")
def build_cmd(
    home: HomeOpt = None,
    force: Annotated[bool, typer.Option("--force", help="rebuild even if unchanged")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Resolve new mentions to entities and (re)build the embedded graph ("nothing to do" if unchanged)."""
    from dataclasses import asdict

    from paperkg.graph.build import build_graph

    settings, catalog = _open(home)
    report = build_graph(catalog, settings, force=force)
    if json_out:
        _json(asdict(report))
        return
    r = report.resolve
    console.print(
        f"entities: {r.entities} ({r.mentions_linked} mentions linked from {r.papers} papers, "
        f"{r.entities_merged} acronyms merged, {r.entities_deleted} removed)"
    )
    if not report.rebuilt:
        console.print("graph unchanged: nothing to do")
        return
    console.print(
        f"graph: {report.papers} papers, {report.entities} entities, {report.authors} authors, "
        f"{report.externals} external papers; {report.mentions_edges} MENTIONS, "
        f"{report.relation_edges} entity relations, {report.citation_edges} CITES "
        f"in {report.seconds:.1f}s"
    )


@app.command("sync")
def sync_cmd(
    uri: Annotated[str, typer.Option("--uri", help="Bolt URI, e.g. bolt://localhost:7687")],
    user: Annotated[str | None, typer.Option("--user", help="user name (omit for no auth)")] = None,
    password_env: Annotated[
        str, typer.Option("--password-env", help="environment variable holding the password")
    ] = "NEO4J_PASSWORD",
    database: Annotated[str | None, typer.Option("--database", help="database (FalkorDB: graph name)")] = None,
    dialect: Annotated[str | None, typer.Option("--dialect", help="neo4j or falkordb (default: detect)")] = None,
    full: Annotated[bool, typer.Option("--full", help="forget the sync state and push everything")] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Push what changed since the last sync to a Neo4j (or FalkorDB) server with batched MERGE."""
    from paperkg.graph.sync import open_driver, sync_graph
    from tqdm import tqdm

    settings, catalog = _open(home)
    password = os.environ.get(password_env) if user else None
    if user and password is None:
        fail(f"${password_env} is not set (pass --password-env VAR naming the variable)")
    target = f"{uri}/{database or 'default'}"
    bar = tqdm(total=0, unit="row", desc="sync", disable=json_out)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        driver = open_driver(uri, user, password, database=database)
        try:
            report = sync_graph(
                catalog,
                driver,
                target=target,
                database=database,
                dialect=dialect,
                full=full,
                progress=progress,
            )
        finally:
            driver.close()
    except PaperkgError:
        bar.close()
        raise  # printed with its exit code by the top-level group
    bar.close()
    if json_out:
        _json(report.as_dict())
    elif not report.changed:
        console.print(f"{target}: up to date, nothing to do")
    else:
        d = report.as_dict()
        console.print(
            f"{target} ({d['dialect']}): pushed {d['papers_pushed']} papers, "
            f"{d['entities_pushed']} entities, "
            f"{d['relations_pushed']} relations; deleted {d['papers_deleted']} papers, "
            f"{d['entities_deleted']} entities, {d['relations_deleted']} relations; "
            f"{d['batches']} batches in "
            f"{d['seconds']}s ({d['writes_per_second']} node+relationship writes/s); "
            f"server counted {d['counters']}"
        )


@app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="output directory")],
    format: Annotated[str, typer.Option("--format", help="only neo4j-admin for now")] = "neo4j-admin",
    home: HomeOpt = None,
) -> None:
    """Write node and relationship CSV files for `neo4j-admin database import full`."""
    from paperkg.graph.export import export_neo4j_admin

    if format != "neo4j-admin":
        fail(f"unknown format {format!r}; supported: neo4j-admin")
    _settings, catalog = _open(home)
    report = export_neo4j_admin(catalog, out)
    typer.echo(f"wrote {report.nodes} nodes and {report.relationships} relationships to {out} in {report.seconds:.1f}s")
    typer.echo(f"import with:\n  cd {out} && {report.import_command()}")


# --- top-level verbs ------------------------------------------------------------------------------------
def _print_recs(recs, json_out: bool) -> None:
    if json_out:
        _json([r.to_dict() for r in recs])
        return
    table = listing_table(None, ["#", "id", "title", "score", "why"])
    for rank, r in enumerate(recs, start=1):
        ex = r.explanation
        why = []
        if ex.shared_entities:
            why.append("entities: " + ", ".join(f"{e.name} ({e.type})" for e in ex.shared_entities[:4]))
        if ex.shared_authors:
            why.append("authors: " + ", ".join(ex.shared_authors[:3]))
        why += ex.citations[:2]
        if ex.relation_path:
            why.append(" ".join(ex.relation_path))
        if ex.vector_similarity is not None:
            why.append(f"cosine {ex.vector_similarity:.3f}")
        if ex.seed and len(ex.seed_contributions) > 1:
            why.append(f"via {ex.seed}")
        table.add_row(str(rank), r.id, r.title, f"{r.score:.3f}", "; ".join(why))
    if recs:
        console.print(table)
    else:
        console.print("no results")
    if recs and recs[0].explanation.note:
        err.print(f"note: {recs[0].explanation.note}")


def related_cmd(
    paper_id: Annotated[str, typer.Argument(help="paper id")],
    k: KOpt = 10,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Papers related to one paper: graph walk fused with vector neighbours, each with its explanation."""
    from paperkg.graph.recommend import related

    settings, catalog = _open(home)
    _print_recs(related(catalog, settings, paper_id, k), json_out)


def recommend_cmd(
    positive: Annotated[list[str], typer.Option("--positive", help="a paper you like (repeat)")],
    negative: Annotated[
        list[str] | None, typer.Option("--negative", help="a paper to steer away from (repeat)")
    ] = None,
    k: KOpt = 10,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Recommendations from positive and negative seed papers."""
    from paperkg.graph.recommend import recommend

    settings, catalog = _open(home)
    _print_recs(recommend(catalog, settings, positive, negative or [], k), json_out)


def entity_cmd(
    query: Annotated[str, typer.Argument(help="entity id, name or alias")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """An entity: type, aliases, papers mentioning it and related entities by relation type."""
    from paperkg.graph.build import load_graph
    from paperkg.graph.explore import entity_page, find_entities

    settings, catalog = _open(home)
    try:
        page = entity_page(catalog, load_graph(settings), query)
    except PaperkgError:
        candidates = find_entities(catalog, query, 10)
        if candidates:
            err.print("did you mean: " + ", ".join(c.id for c in candidates), highlight=False)
        raise
    if json_out:
        _json(page.to_dict())
        return
    e = page.entity
    console.print(f"[bold]{e.name}[/bold] ({e.type}), id {e.id!r}: {e.paper_count} papers, {e.mention_count} mentions")
    if e.aliases:
        console.print(f"aliases: {', '.join(e.aliases[:8])}", highlight=False)
    if page.related:
        rels = listing_table("related entities", ["relation", "direction", "entity", "count"])
        for rel, items in page.related.items():
            for r in items:
                rels.add_row(rel, "->" if r.direction == "out" else "<-", r.name, str(r.count))
        console.print(rels)
    papers = listing_table("papers", ["#", "id", "title"])
    for i, p in enumerate(page.papers[:10], start=1):
        papers.add_row(str(i), p["id"], p["title"])
    console.print(papers)


def register(main_app: typer.Typer) -> None:
    """Add the top-level graph verbs to the main app."""
    main_app.command("related")(related_cmd)
    main_app.command("recommend")(recommend_cmd)
    main_app.command("entity")(entity_cmd)
