"""`paperkg` entry point: each verb parses flags, calls one library function and prints its result."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from paperkg import verbosity
from paperkg.catalog import Catalog, open_catalog
from paperkg.cli.common import (
    EXIT_CODES_HELP,
    EXIT_USAGE,
    HomeOpt,
    JsonOpt,
    KOpt,
    PaperkgGroup,
    console,
    err_console,
    fail,
    print_json,
)
from paperkg.cli.output import listing_table, styled_table
from paperkg.settings import Settings, load_settings

app = typer.Typer(
    cls=PaperkgGroup,
    help="paperkg: ingest arXiv papers, search them (dense + BM25), and explore their knowledge graph.",
    epilog=EXIT_CODES_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

ModelOpt = Annotated[
    str | None, typer.Option("--model", help="sentence-transformers model folder (default: packaged MiniLM)")
]
DeviceOpt = Annotated[str | None, typer.Option("--device", help="auto, cpu or cuda")]


def settings_for(home: Path | None, **overrides: object) -> Settings:
    return load_settings(home, **overrides)


def catalog_for(settings: Settings, *, write: bool = False) -> Catalog:
    """Writers get the catalog read-write; readers too, unless the home is read-only (then `mode=ro`)."""
    return open_catalog(settings.catalog_path, readonly=None if not write else False)


@app.callback()
def main(
    verbose: Annotated[
        bool, typer.Option("-v", "--verbose", help="also show the libraries' own messages (model loading, warnings)")
    ] = False,
) -> None:
    """paperkg: ingest arXiv papers, search them, and explore their knowledge graph."""
    verbosity.configure(verbose or None)


@app.command("config")
def config_cmd(home: HomeOpt = None) -> None:
    """Print the resolved settings (defaults < HOME/config.toml < PAPERKG_* env < flags), the host CPU and the
    encoder and tagger backends chosen on it, with the reason."""
    from paperkg.index.encoder import backend_report

    settings = settings_for(home)
    print_json({**settings.public_dict(), "backends": backend_report(settings)})


@app.command("ingest")
def ingest_cmd(
    # exists=True: a mistyped path stops the run before anything is done (exit 2), not after a summary
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            help="files or folders: Kaggle JSON lines (.gz ok), OAI-PMH XML, arXiv API JSON, BEIR corpus.jsonl, PDFs",
        ),
    ],
    home: HomeOpt = None,
    no_tagger: Annotated[bool, typer.Option("--no-tagger", help="skip entity/relation tagging")] = False,
    no_index: Annotated[bool, typer.Option("--no-index", help="skip the dense and BM25 indexes")] = False,
    no_graph: Annotated[bool, typer.Option("--no-graph", help="skip the embedded knowledge graph")] = False,
    model: ModelOpt = None,
    device: DeviceOpt = None,
    use_ray: Annotated[bool, typer.Option("--ray", help="parse and embed JSON lines on Ray Data")] = False,
    address: Annotated[str | None, typer.Option("--address", help="Ray cluster (default: local)")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ingest papers into the catalog, then tag them and update the indexes. Safe to re-run and to resume."""
    from paperkg.pipeline import index_late_writes, run_ingest
    from paperkg.writelock import writer_lock

    settings = settings_for(home, model=model, device=device)
    with writer_lock(settings.home, "ingest", notify=err_console.print), catalog_for(settings, write=True) as catalog:
        stages = {"index": not no_index, "tagger": False if no_tagger else None, "graph": not no_graph}
        if use_ray or address:  # same stages and result; parsing and embedding run on Ray
            from paperkg.pipeline.ray_run import ray_ingest

            result = ray_ingest(catalog, settings, paths, address=address, **stages, progress=not as_json)
        else:
            result = run_ingest(catalog, settings, paths, **stages, progress=not as_json)
    if not no_index:
        with catalog_for(settings, write=True) as catalog:
            index_late_writes(catalog, settings)
    if as_json:
        print_json(result.to_json())
    else:
        s = result.ingest
        console.print(
            f"[bold]ingest[/bold]: {s.files} input(s) ({s.files_skipped} already done): "
            f"{s.new} new, {s.updated} updated, {s.unchanged} unchanged, {s.deleted} deleted, "
            f"{s.quarantined} quarantined"
        )
        if (t := result.tagger) is not None:
            said = f"{t.papers} papers, {t.mentions} mentions, {t.relations} relations, {t.failed} failed"
            console.print(f"[bold]tagger[/bold]: {said}", highlight=False)
        if (g := result.graph) is not None:
            console.print(
                f"[bold]graph[/bold]: {g.papers} papers, {g.entities} entities, {g.authors} authors, "
                f"{g.relation_edges} relation edges, {g.citation_edges} citation edges"
                + ("" if g.rebuilt else " (unchanged)")
            )
        if (i := result.index) is not None:
            console.print(
                f"[bold]index[/bold]: {i.embedded} embedded, {i.removed} removed; "
                f"{i.dense_total} vectors ({i.dense_kind}), {i.lexical_total} BM25 docs"
            )
        for note in result.notes:
            console.print(note, highlight=False)
    for message in result.ingest.failed:
        err_console.print(f"[red]error:[/red] {message}", highlight=False)
    if result.failed:
        raise typer.Exit(EXIT_USAGE)


@app.command("reindex")
def reindex_cmd(home: HomeOpt = None, model: ModelOpt = None, device: DeviceOpt = None) -> None:
    """Rebuild the dense and lexical indexes from the catalog (e.g. after changing --model)."""
    from paperkg.index.build import update_indexes
    from paperkg.writelock import writer_lock

    settings = settings_for(home, model=model, device=device)
    with writer_lock(settings.home, "reindex", notify=err_console.print), catalog_for(settings, write=True) as catalog:
        print_json(update_indexes(catalog, settings, rebuild=True).to_json())


@app.command("search")
def search_cmd(
    query: Annotated[str, typer.Argument(help="free-text query")],
    k: KOpt = 10,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or lexical")] = "hybrid",
    fusion: Annotated[
        str | None, typer.Option("--fusion", help="hybrid fusion: convex (default setting) or rrf")
    ] = None,
    category: Annotated[str | None, typer.Option("--category", help="e.g. cs.CL, or cs for all cs.*")] = None,
    since: Annotated[int | None, typer.Option("--since", help="only papers from this year on")] = None,
    predicted: Annotated[
        bool,
        typer.Option(
            "--predicted",
            help="--category also matches papers without categories by their predicted one (paperkg topics predict)",
        ),
    ] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Search papers: hybrid (dense + BM25, default), dense or lexical."""
    from paperkg.index.search import MODES, Searcher

    if mode not in MODES:
        fail(f"--mode must be one of {', '.join(MODES)}, not {mode!r}")
    if fusion is not None and fusion not in ("convex", "rrf"):
        fail(f"--fusion must be one of convex, rrf, not {fusion!r}")
    if not query.strip():
        fail("the query is empty")
    settings = settings_for(home, fusion=fusion)
    with catalog_for(settings) as catalog:
        hits = Searcher(settings, catalog).search(
            query,
            k=k,
            mode=mode,
            category=category,
            since=since,
            predicted=predicted,  # type: ignore[arg-type]
        )
    if as_json:
        print_json({"query": query, "mode": mode, "results": [h.to_dict() for h in hits]})
        return
    print_hits(hits, f"{mode} search: {query}", mode=mode, fusion=settings.fusion)


@app.command("similar")
def similar_cmd(
    paper_id: Annotated[str, typer.Argument(help="paper id")],
    k: KOpt = 10,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Papers nearest to a paper in embedding space."""
    from paperkg.index.search import Searcher

    settings = settings_for(home)
    with catalog_for(settings) as catalog:
        hits = Searcher(settings, catalog).similar(paper_id, k=k)
    if as_json:
        print_json({"id": paper_id, "results": [h.to_dict() for h in hits]})
    else:
        print_hits(hits, f"similar to {paper_id}", mode="dense")


@app.command("show")
def show_cmd(paper_id: Annotated[str, typer.Argument()], home: HomeOpt = None) -> None:
    """Print one paper from the catalog as JSON."""
    from paperkg.errors import PaperNotFound
    from paperkg.records import normalize_id

    settings = settings_for(home)
    with catalog_for(settings) as catalog:
        paper = catalog.get_paper(normalize_id(paper_id))
    if paper is None:
        raise PaperNotFound.unknown(paper_id)
    print_json(paper.to_dict())


@app.command("stats")
def stats_cmd(home: HomeOpt = None, as_json: JsonOpt = False) -> None:
    """What the data home holds: papers, quarantined records, and whatever later stages added."""
    from paperkg.index.sync import index_counts

    settings = settings_for(home)
    with catalog_for(settings) as catalog:
        stats = {**catalog.stats(), **index_counts(settings)}
    if as_json:
        print_json(stats)
    else:
        width = max(map(len, stats), default=0)
        for key, value in stats.items():
            console.print(f"{key:>{width}}: {value}", highlight=False)


@app.command("quarantine")
def quarantine_cmd(
    home: HomeOpt = None,
    source: Annotated[str | None, typer.Option("--source", help="only this input file")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """List quarantined records: source file, line or offset, and the reason."""
    settings = settings_for(home)
    with catalog_for(settings) as catalog:
        entries = catalog.quarantined(str(Path(source).resolve()) if source else None, limit)
    if as_json:
        print_json([{"source": e.source, "location": e.location, "reason": e.reason} for e in entries])
        return
    if not entries:
        console.print("quarantine is empty")
        return
    table = listing_table(None, ["source", "location", "reason"])
    for e in entries:
        table.add_row(e.source, str(e.location), e.reason)
    console.print(table)


eval_app = typer.Typer(help="Evaluations on labelled data.", no_args_is_help=True)
app.add_typer(eval_app, name="eval")


@eval_app.command("retrieval")
def eval_retrieval_cmd(
    folder: Annotated[Path, typer.Argument(help="BEIR folder: corpus.jsonl, queries.jsonl, qrels/test.tsv")],
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense, lexical or all")] = "hybrid",
    split: Annotated[str, typer.Option("--split", help="qrels file name in qrels/")] = "test",
    fusion: Annotated[str | None, typer.Option("--fusion", help="convex or rrf")] = None,
    weight: Annotated[float | None, typer.Option("--weight", help="dense weight for convex fusion")] = None,
    model: ModelOpt = None,
    home: Annotated[
        Path | None, typer.Option("--home", help="reuse this home for the corpus instead of a temporary one")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """nDCG@10, Recall@100 and MRR@10 on a BEIR-format folder (built in a temporary home)."""
    from paperkg.pipeline.evaluate import evaluate_retrieval

    modes = ["hybrid", "dense", "lexical"] if mode == "all" else [mode]
    settings = load_settings(None, model=model, fusion=fusion, fusion_weight=weight, tagger=False)
    results = evaluate_retrieval(folder, settings, modes=modes, split=split, progress=not as_json, home=home)
    if as_json:
        print_json(results[modes[0]] if len(modes) == 1 else results)
        return
    table = styled_table(f"retrieval on {folder} ({split})")
    for col in ("mode", "nDCG@10", "Recall@100", "MRR@10"):
        table.add_column(col)
    for m, r in results.items():
        table.add_row(m, f"{r['ndcg@10']:.4f}", f"{r['recall@100']:.4f}", f"{r['mrr@10']:.4f}")
    console.print(table)


from paperkg.cli.eval_related import eval_related_cmd  # noqa: E402

eval_app.command("related")(eval_related_cmd)


@app.command("serve")
def serve_cmd(
    home: HomeOpt = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1)] = 1,
) -> None:
    """Start the HTTP API (OpenAPI docs at /docs)."""
    import os

    import uvicorn

    settings = settings_for(home)
    os.environ["PAPERKG_HOME"] = str(settings.home)
    if workers > 1:  # share the cores between worker processes instead of every worker using all of them
        share = str(max(1, len(os.sched_getaffinity(0)) // workers))
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            os.environ.setdefault(var, share)
    from paperkg.api.server import HEADER_TIMEOUT_ENV, GuardedH11Protocol

    os.environ[HEADER_TIMEOUT_ENV] = str(settings.http_header_timeout)  # read by each worker's protocol
    uvicorn.run(
        "paperkg.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=GuardedH11Protocol,
        timeout_keep_alive=settings.http_keep_alive,
        h11_max_incomplete_event_size=settings.http_max_head_bytes,
    )


def print_hits(hits: list, caption: str, *, mode: str, fusion: str = "convex") -> None:
    """Search and similar results: raw cosine and BM25 (comparable across queries) beside the fused score."""
    if not hits:
        console.print("no results")
        return
    score_col = {"dense": "cosine", "lexical": "bm25"}.get(mode, "fused")
    columns = ["#", "id", "year", "title", score_col]
    if mode == "hybrid":
        columns += ["cosine", "bm25"]
    table = listing_table(caption, columns)
    for h in hits:
        row = [str(h.rank), h.paper.id, str(h.paper.year or ""), h.paper.title, f"{h.score:.3f}"]
        if mode == "hybrid":
            row += [_raw(h.dense, h.dense_rank), _raw(h.lexical, h.lexical_rank)]
        table.add_row(*row)
    console.print(table)
    if mode == "hybrid":  # the fused score is min-max scaled per query: the top hit gets ~1 however weak it is
        how = "reciprocal ranks" if fusion == "rrf" else "min-max scaled within this query"
        console.print(
            f"fused: {how}, compare it within one query only; cosine (dense) and bm25 are the raw scores "
            "(#rank in each list), comparable across queries",
            style="dim",
            highlight=False,
        )


def _raw(score: float | None, rank: int | None) -> str:
    return "" if score is None else f"{score:.3f} (#{rank})"


def run() -> None:
    """Console entry (errors are printed and mapped to exit codes by PaperkgGroup)."""
    app()


from paperkg.cli import tagger as tagger_cli  # noqa: E402  (mounted last: verbs import torch lazily)

app.add_typer(tagger_cli.app, name="tagger")

from paperkg.cli import graph as graph_cli  # noqa: E402

app.add_typer(graph_cli.app, name="graph")
graph_cli.register(app)

from paperkg.cli import collection as collection_cli  # noqa: E402

collection_cli.register(app)

from paperkg.cli import doctor as doctor_cli  # noqa: E402

doctor_cli.register(app)

from paperkg.cli import insights as insights_cli  # noqa: E402  (trends, duplicates, topics)

insights_cli.register(app)
