"""`paperkg eval related`: relatedness on a BEIR-layout folder whose queries are papers of the corpus.

The corpus goes through the full pipeline (catalog, tagger, graph, indexes); each query id is a seed paper,
ranked with the product's `related` under several rankings and scored with ranx (the seed never counts).
"""

from __future__ import annotations

import tempfile
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from paperkg.catalog import Catalog, open_catalog
from paperkg.errors import BadInput
from paperkg.graph.recommend import FusionConfig, related
from paperkg.index.evaluate import METRICS, load_qrels
from paperkg.settings import Settings
from ranx import Qrels, Run, evaluate
from tqdm import tqdm

DEPTH = 100  # Recall@100 needs 100 results per seed
RANKINGS: dict[str, FusionConfig] = {
    "default": FusionConfig(),  # what `paperkg related` returns
    "vector": FusionConfig(ranking="vector"),
    "lexical": FusionConfig(ranking="lexical"),
    "graph": FusionConfig(ranking="graph"),
}
# --ablation: the learned ranking without graph signals, the previous fixed fusion
ABLATIONS: dict[str, FusionConfig] = {
    "text": FusionConfig(model="text"),
    "convex": FusionConfig(ranking="convex"),
}


@dataclass(slots=True)
class RelatedEval:
    metrics: dict[str, dict[str, float]]
    runs: dict[str, dict[str, dict[str, float]]] = field(default_factory=dict)
    seeds: int = 0
    missing: list[str] = field(default_factory=list)
    graph: dict[str, float] = field(default_factory=dict)


def evaluate_related(
    folder: Path,
    settings: Settings,
    *,
    home: Path | None = None,
    split: str = "test",
    rankings: dict[str, FusionConfig] | None = None,
    rrf: bool = False,
    progress: bool = True,
) -> RelatedEval:
    """Ingest the corpus (reusing `home` when it holds it already: ingest is idempotent), rank every seed."""
    folder = Path(folder)
    for name in ("corpus.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise BadInput(f"{folder}: missing {name} (expected a BEIR folder whose query ids are corpus ids)")
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    rankings = rankings or RANKINGS
    with tempfile.TemporaryDirectory(prefix="paperkg-related-") as tmp:
        run_settings = settings.model_copy(update={"home": Path(home or tmp)})
        with open_catalog(run_settings.catalog_path) as catalog:
            from paperkg.pipeline import run_ingest

            result = run_ingest(catalog, run_settings, [folder / "corpus.jsonl"], progress=progress)
            if result.failed:
                raise BadInput(f"{folder / 'corpus.jsonl'}: " + "; ".join(result.ingest.failed))
            out = rank_seeds(catalog, run_settings, qrels, rankings, progress=progress)
            out.graph = entity_stats(run_settings)
    if rrf and {"vector", "lexical"} <= set(out.runs):
        out.runs["rrf"] = rrf_fuse(out.runs["vector"], out.runs["lexical"])
        out.metrics["rrf"] = score_run(qrels, out.runs["rrf"], out.runs)
    return out


def rank_seeds(
    catalog: Catalog,
    settings: Settings,
    qrels: dict[str, dict[str, int]],
    rankings: dict[str, FusionConfig],
    *,
    progress: bool = False,
) -> RelatedEval:
    seeds = [q for q in qrels if catalog.paper_pk(q) is not None]
    missing = sorted(set(qrels) - set(seeds))
    if not seeds:
        raise BadInput("no query id of the qrels is a paper of the corpus")
    runs: dict[str, dict[str, dict[str, float]]] = {name: {} for name in rankings}
    for seed in tqdm(seeds, desc="related", disable=not progress):
        for name, cfg in rankings.items():
            recs = related(catalog, settings, seed, DEPTH, cfg)
            # ranx wants strictly ordered scores: use the reversed rank (ties broken as the product does)
            runs[name][seed] = {r.id: float(DEPTH - i) for i, r in enumerate(recs) if r.id != seed}
    metrics = {name: score_run(qrels, run, runs) for name, run in runs.items()}
    return RelatedEval(metrics=metrics, runs=runs, seeds=len(seeds), missing=missing)


def score_run(qrels: dict[str, dict[str, int]], run: dict[str, dict[str, float]], _all=None) -> dict[str, float]:
    wanted = {q: rel for q, rel in qrels.items() if q in run}
    filled = {q: (docs or {"__none__": 0.0}) for q, docs in run.items()}
    with warnings.catch_warnings():
        # ranx's numba nDCG kernel warns "unsafe cast from uint64 to int64" on these small integer grades
        warnings.filterwarnings("ignore", message="unsafe cast from uint64 to int64")
        scores = evaluate(Qrels(wanted), Run(filled), METRICS)
    return {m: float(v) for m, v in scores.items()}


def rrf_fuse(a: dict[str, dict[str, float]], b: dict[str, dict[str, float]], k: int = 60) -> dict:
    """Plain reciprocal-rank fusion of two runs (the text baseline of the issue), top DEPTH."""
    out = {}
    for q in a.keys() & b.keys():
        fused: dict[str, float] = {}
        for run in (a[q], b[q]):
            for rank, doc in enumerate(sorted(run, key=lambda d: -run[d]), start=1):
                fused[doc] = fused.get(doc, 0.0) + 1.0 / (k + rank)
        top = sorted(fused, key=lambda d: (-fused[d], d))[:DEPTH]
        out[q] = {d: float(DEPTH - i) for i, d in enumerate(top)}
    return out


def entity_stats(settings: Settings) -> dict[str, float]:
    """Entities and the share of them that occur in two or more papers (only those can link papers)."""
    from paperkg.graph.build import load_graph

    kg = load_graph(settings)
    if kg is None or not len(kg.entity_keys):
        return {"entities": 0, "share_in_2plus_papers": 0.0}
    df = kg.entity_df
    return {"entities": int(len(df)), "share_in_2plus_papers": round(float(np.mean(df >= 2)), 4)}
