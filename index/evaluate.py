"""Retrieval evaluation on a BEIR-format folder: nDCG@10, Recall@100 and MRR@10 computed with ranx."""

from __future__ import annotations

import csv
import json
import tempfile
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.errors import BadInput
from paperkg.index import fusion
from paperkg.index.build import update_indexes
from paperkg.index.search import Searcher
from paperkg.ingest.run import ingest_paths
from paperkg.settings import Settings
from ranx import Qrels, Run, evaluate
from tqdm import tqdm

METRICS = ["ndcg@10", "recall@100", "mrr@10"]


def load_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if len(row) < 3 or row[0] == "query-id":
                continue
            score = int(row[2].strip())
            if score > 0:
                qrels.setdefault(row[0].strip(), {})[row[1].strip()] = score
    return qrels


def load_queries(path: Path, wanted: set[str]) -> dict[str, str]:
    out = {}
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                q = json.loads(line)
                if str(q["_id"]) in wanted:
                    out[str(q["_id"])] = q["text"]
    return out


def evaluate_beir(
    folder: Path,
    settings: Settings,
    *,
    modes: list[str],
    split: str = "test",
    progress: bool = True,
    home: Path | None = None,
) -> dict[str, dict[str, float]]:
    """Ingest the corpus into a temporary home, index it, run every query, score each mode."""
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise BadInput(f"{folder}: missing {name} (expected a BEIR folder)")
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    queries = load_queries(folder / "queries.jsonl", set(qrels))
    with tempfile.TemporaryDirectory(prefix="paperkg-eval-") as tmp:
        run_settings = settings.model_copy(update={"home": Path(home or tmp)})
        with open_catalog(run_settings.catalog_path) as catalog:
            ingest_paths(catalog, [folder / "corpus.jsonl"], progress=progress)
            update_indexes(catalog, run_settings, progress=progress)
            runs = run_queries(Searcher(run_settings, catalog), queries, modes, progress=progress)
    return {
        mode: {m: float(v) for m, v in evaluate(Qrels(qrels), Run(run), METRICS).items()} for mode, run in runs.items()
    }


def run_queries(
    searcher: Searcher, queries: dict[str, str], modes: list[str], *, depth: int = 100, progress: bool = False
) -> dict[str, dict[str, dict[str, float]]]:
    """Rank the top `depth` papers per query and mode; dense queries are embedded in one batch."""
    qids = list(queries)
    texts = [queries[q] for q in qids]
    cand = max(searcher.settings.candidates, depth)
    dense_lists = searcher.dense.search(searcher.embed(texts), cand) if {"dense", "hybrid"} & set(modes) else []
    lexical_lists = []
    if {"lexical", "hybrid"} & set(modes):
        lexical_lists = [searcher.lexical.search([t], cand)[0] for t in tqdm(texts, disable=not progress)]
    pk_to_id = {pk: paper.id for pk, _h, paper in searcher.catalog.iter_papers()}
    runs: dict[str, dict[str, dict[str, float]]] = {m: {} for m in modes}
    s = searcher.settings
    for i, qid in enumerate(qids):
        for mode in modes:
            if mode == "dense":
                ranked = [(pk, sc) for pk, sc in dense_lists[i][:depth]]
            elif mode == "lexical":
                ranked = [(pk, sc) for pk, sc in lexical_lists[i][:depth]]
            else:
                fused = (
                    fusion.rrf(dense_lists[i], lexical_lists[i], s.rrf_k)
                    if s.fusion == "rrf"
                    else fusion.convex(dense_lists[i], lexical_lists[i], s.fusion_weight)
                )
                ranked = [(f.pk, f.score) for f in fused[:depth]]
            runs[mode][qid] = {pk_to_id[pk]: float(sc) for pk, sc in ranked} or {"__none__": 0.0}
    return runs
