"""Verbs over the whole catalog: `paperkg trends`, `paperkg duplicates`, `paperkg topics predict|show`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from paperkg.catalog import open_catalog
from paperkg.cli.common import EXIT_USAGE, HomeOpt, JsonOpt, exit_code, fail
from paperkg.cli.output import styled_table
from paperkg.errors import PaperkgError, PaperNotFound
from paperkg.settings import load_settings
from rich.console import Console

console = Console()
err = Console(stderr=True)

CategoryOpt = Annotated[str | None, typer.Option("--category", help="only papers of this category (cs.CL; cs = cs.*)")]
PredictedOpt = Annotated[
    bool, typer.Option("--predicted", help="--category also matches predicted categories (paperkg topics predict)")
]

topics_app = typer.Typer(
    help="Predicted arXiv categories for papers that have none (PDFs, BEIR corpora).", no_args_is_help=True
)


def _json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fail(exc: Exception) -> None:
    # the one error line and exit code of every verb (paperkg.cli.common); a ValueError here is a bad flag value
    fail(str(exc), EXIT_USAGE if isinstance(exc, ValueError) else exit_code(exc))


def trends_cmd(
    entities: Annotated[list[str] | None, typer.Argument(help="entity names, aliases or ids (CNN, BERT, ...)")] = None,
    by: Annotated[str, typer.Option("--by", help="month or year")] = "year",
    since: Annotated[str | None, typer.Option("--since", help="first period shown (2024 or 2024-06)")] = None,
    rising: Annotated[bool, typer.Option("--rising", help="entities whose share of papers grew most")] = False,
    window: Annotated[
        int | None,
        typer.Option(
            "--window",
            min=1,
            help="--rising: periods per window (default 3 months or 1 year): the latest vs the one before",
        ),
    ] = None,
    min_papers: Annotated[
        int, typer.Option("--min-papers", min=1, help="--rising: papers needed in the recent window")
    ] = 3,
    associations: Annotated[
        str | None,
        typer.Option("--associations", help="entities co-occurring with this one more than chance (PMI, lift)"),
    ] = None,
    min_support: Annotated[
        int, typer.Option("--min-support", min=1, help="--associations: papers needed together")
    ] = 3,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 20,
    category: CategoryOpt = None,
    predicted: PredictedOpt = False,
    plot: Annotated[Path | None, typer.Option("--plot", help="also write the chart to FILE.png or FILE.svg")] = None,
    share: Annotated[bool, typer.Option("--share", help="--plot: % of papers instead of counts")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Papers per period mentioning each entity; or --rising entities; or --associations of one entity.

    Entities are the knowledge graph's canonical ones: "CNN" and "convolutional neural networks" count together.
    """
    from paperkg.graph import trends

    settings = load_settings(home)
    if by not in ("month", "year"):
        _fail(ValueError(f"--by must be month or year, not {by!r}"))
    try:
        with open_catalog(settings.catalog_path) as catalog:
            if rising:
                report = trends.rising_entities(
                    catalog,
                    by=by,
                    window=window,
                    category=category,
                    predicted=predicted,  # type: ignore[arg-type]
                    min_papers=min_papers,
                    limit=limit,
                )
            elif associations:
                report = trends.associations(
                    catalog,
                    associations,
                    category=category,
                    predicted=predicted,
                    min_support=min_support,
                    limit=limit,
                )
            else:
                report = trends.entity_trends(
                    catalog,
                    entities or [],
                    by=by,
                    category=category,
                    predicted=predicted,
                    since=since,  # type: ignore[arg-type]
                )
        if plot is not None:
            if not isinstance(report, trends.TrendReport):
                raise ValueError("--plot draws entity trends: name entities, without --rising/--associations")
            from paperkg.graph.trend_plot import plot_trends

            plot_trends(report, plot, share=share)
    except (PaperkgError, ValueError) as exc:
        _fail(exc)
    if as_json:
        _json(report.to_dict())
    elif isinstance(report, trends.TrendReport):
        _print_trends(report)
    elif isinstance(report, trends.RisingReport):
        _print_rising(report)
    else:
        _print_associations(report)
    if plot is not None and not as_json:
        console.print(f"chart written to {plot}")


def _print_trends(report) -> None:  # noqa: ANN001
    table = styled_table(f"papers per {report.by}" + (f" ({report.category})" if report.category else ""))
    table.add_column("period")
    table.add_column("papers", justify="right")
    for s in report.series:
        table.add_column(f"{s.entity.name} ({s.query})" if s.query != s.entity.name else s.entity.name, justify="right")
    for i, period in enumerate(report.periods):
        if report.papers[i] == 0:
            continue  # empty periods stay in --json and the chart; the table shows periods with papers
        cells = [f"{s.counts[i]} ({100 * s.shares[i]:.1f}%)" for s in report.series]
        table.add_row(period, str(report.papers[i]), *cells)
    console.print(table)


def _print_rising(report) -> None:  # noqa: ANN001
    if not report.results:
        console.print("no rising entity" + ("" if report.before_periods else ": fewer than two windows of data"))
        return
    title = f"rising: {', '.join(report.recent_periods)} vs {', '.join(report.before_periods)}"
    table = styled_table(title)
    for col in ("entity", "type", "recent", "before", "share now", "share before", "growth (pts)", "z"):
        table.add_column(col, justify="left" if col in ("entity", "type") else "right")
    for r in report.results:
        table.add_row(
            r.entity.name,
            r.entity.type,
            str(r.recent),
            str(r.before),
            f"{100 * r.recent_share:.1f}%",
            f"{100 * r.before_share:.1f}%",
            f"{r.growth:+.1f}",
            f"{r.z:.1f}",
        )
    console.print(table)


def _print_associations(report) -> None:  # noqa: ANN001
    console.print(f"[bold]{report.entity.name}[/bold]: {report.papers} of {report.corpus} papers")
    if not report.results:
        console.print(f"no entity co-occurs with it in {report.min_support}+ papers more often than chance")
        return
    table = styled_table()
    for col in ("entity", "type", "together", "papers", "PMI", "NPMI", "lift"):
        table.add_column(col, justify="left" if col in ("entity", "type") else "right")
    for a in report.results:
        table.add_row(
            a.entity.name,
            a.entity.type,
            str(a.together),
            str(a.papers),
            f"{a.pmi:.2f}",
            f"{a.npmi:.2f}",
            f"{a.lift:.2f}",
        )
    console.print(table)


def duplicates_cmd(
    merge: Annotated[bool, typer.Option("--merge", help="merge every pair listed (drop into keep)")] = False,
    no_vectors: Annotated[bool, typer.Option("--no-vectors", help="skip the dense-index evidence")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Papers held twice (publisher PDF and arXiv record, versions under other ids): by DOI, title + authors and
    vector similarity, with the evidence. --merge moves citations, mentions and collection memberships to the
    kept paper; the other id then resolves to it everywhere (CLI, API)."""
    from paperkg.dedupe import find_duplicates
    from paperkg.pipeline import merge_duplicates

    settings = load_settings(home)
    with open_catalog(settings.catalog_path) as catalog:
        pairs = find_duplicates(catalog, settings, use_vectors=not no_vectors, progress=not as_json)
        if merge and pairs:
            merge_duplicates(catalog, settings, pairs)
    if as_json:
        _json({"pairs": [p.to_dict() for p in pairs], "merged": sum(p.merged is not None for p in pairs)})
        return
    if not pairs:
        console.print("no duplicates found")
        return
    table = styled_table(f"{len(pairs)} duplicate pair(s)" + (" merged" if merge else " (merge with --merge)"))
    for col in ("keep", "drop", "title", "evidence"):
        table.add_column(col, overflow="fold")
    for p in pairs:
        ev = p.evidence
        detail = [f"title {ev.title:.2f}"]
        if ev.authors is not None:
            detail.append(f"authors {ev.authors:.2f}")
        if ev.cosine is not None:
            detail.append(f"cosine {ev.cosine:.3f}")
        if ev.doi:
            detail.append(f"doi {ev.doi}")
        table.add_row(p.keep, p.drop, p.keep_title, "; ".join(ev.reasons) + " (" + ", ".join(detail) + ")")
    console.print(table)


@topics_app.command("predict")
def topics_predict_cmd(
    refresh: Annotated[bool, typer.Option("--refresh", help="predict again for every unlabelled paper")] = False,
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Learn categories from the labelled papers and store top-3 predictions for the papers without any."""
    from paperkg.topics import predict_topics

    settings = load_settings(home)
    try:
        with open_catalog(settings.catalog_path) as catalog:
            report = predict_topics(catalog, settings, refresh=refresh)
    except PaperkgError as exc:
        _fail(exc)
    if as_json:
        _json(report.as_dict())
    elif report.predicted:
        console.print(
            f"predicted categories for {report.predicted} paper(s) with {report.model} ({report.categories} categories)"
        )
    else:
        console.print("nothing to do: every paper without categories has a current prediction")


@topics_app.command("show")
def topics_show_cmd(
    paper_ids: Annotated[list[str], typer.Argument(help="paper ids")],
    home: HomeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """The given and predicted categories of papers (predicted ones with their confidence)."""
    from paperkg.records import normalize_id

    settings = load_settings(home)
    out = []
    with open_catalog(settings.catalog_path) as catalog:
        for pid in paper_ids:
            pk = catalog.paper_pk(normalize_id(pid))
            if pk is None:
                _fail(PaperNotFound.unknown(pid))
            paper = catalog.papers_by_pk([pk])[pk]
            preds = catalog.predictions_of([pk]).get(pk, [])
            out.append(
                {
                    "id": paper.id,
                    "categories": paper.categories,
                    "predicted": [
                        {"category": p.category, "confidence": p.confidence, "rank": p.rank, "model": p.model}
                        for p in preds
                    ],
                }
            )
    if as_json:
        _json(out if len(out) > 1 else out[0])
        return
    for row in out:
        given = ", ".join(row["categories"]) or "none"
        pred = ", ".join(f"{p['category']} ({100 * p['confidence']:.0f}%)" for p in row["predicted"]) or "none"
        console.print(f"{row['id']}: given {given}; predicted {pred}")


def register(main_app: typer.Typer) -> None:
    """Add `trends`, `duplicates` and `topics` to the main app."""
    main_app.command("trends")(trends_cmd)
    main_app.command("duplicates")(duplicates_cmd)
    main_app.add_typer(topics_app, name="topics")
