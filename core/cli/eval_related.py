"""`paperkg eval related DIR`: nDCG@10, Recall@100 and MRR@10 of `related` on a BEIR-layout folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from paperkg.cli.output import styled_table
from paperkg.errors import PaperkgError
from paperkg.settings import load_settings
from rich.console import Console

console = Console()
err = Console(stderr=True)


def eval_related_cmd(
    folder: Annotated[
        Path, typer.Argument(help="BEIR folder: corpus.jsonl and qrels/test.tsv; query ids are corpus ids")
    ],
    home: Annotated[
        Path | None,
        typer.Option("--home", help="reuse this home (ingest is idempotent: an ingested corpus is not redone)"),
    ] = None,
    split: Annotated[str, typer.Option("--split", help="qrels file name in qrels/")] = "test",
    ablation: Annotated[
        bool,
        typer.Option(
            "--ablation",
            help="also: the learned ranking without graph signals (text), the previous "
            "fixed fusion (convex) and plain RRF(k=60) of vector and lexical (rrf)",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object instead of a table")] = False,
) -> None:
    """Relatedness of `related` (default, vector, lexical, graph) on papers whose relevant papers are known."""
    from paperkg.graph.evaluate import ABLATIONS, RANKINGS, evaluate_related

    settings = load_settings(home)
    rankings = {**RANKINGS, **(ABLATIONS if ablation else {})}
    try:
        result = evaluate_related(
            folder, settings, home=home, split=split, rankings=rankings, rrf=ablation, progress=not as_json
        )
    except PaperkgError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    if as_json:
        data: dict = dict(result.metrics)
        if ablation:
            data["_graph"] = result.graph
        print(json.dumps(data, indent=2))
        return
    table = styled_table(f"related on {folder} ({split}): {result.seeds} seeds")
    for col in ("ranking", "nDCG@10", "Recall@100", "MRR@10"):
        table.add_column(col)
    for name, r in result.metrics.items():
        table.add_row(name, f"{r['ndcg@10']:.4f}", f"{r['recall@100']:.4f}", f"{r['mrr@10']:.4f}")
    console.print(table)
    g = result.graph
    console.print(f"entities: {g.get('entities', 0)}, in 2+ papers: {100 * g.get('share_in_2plus_papers', 0):.1f}%")
    if result.missing:
        err.print(f"{len(result.missing)} query id(s) not in the corpus, skipped: {', '.join(result.missing[:5])}")
