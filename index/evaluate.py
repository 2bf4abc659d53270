"""Retrieval evaluation on a BEIR-format folder: nDCG@10, Recall@100 and MRR@10 computed with ranx."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import cast

from paperkg.errors import BadInput
from paperkg.index.search import Mode, Searcher
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


def read_beir(folder: Path, split: str = "test") -> tuple[dict[str, dict[str, int]], dict[str, str]]:
    """The qrels of `split` and the queries they judge, from a BEIR folder (checked to hold a corpus too)."""
    folder = Path(folder)
    for name in ("corpus.jsonl", "queries.jsonl", f"qrels/{split}.tsv"):
        if not (folder / name).is_file():
            raise BadInput(f"{folder}: missing {name} (expected a BEIR folder)")
    qrels = load_qrels(folder / "qrels" / f"{split}.tsv")
    return qrels, load_queries(folder / "queries.jsonl", set(qrels))


def evaluate_runs(
    searcher: Searcher,
    qrels: dict[str, dict[str, int]],
    queries: dict[str, str],
    modes: list[str],
    *,
    progress: bool = False,
) -> dict[str, dict[str, float]]:
    """nDCG@10, Recall@100 and MRR@10 per mode over the indexes `searcher` reads."""
    runs = run_queries(searcher, queries, modes, progress=progress)
    return {
        mode: {m: float(v) for m, v in evaluate(Qrels(qrels), Run(run), METRICS).items()} for mode, run in runs.items()
    }


def run_queries(
    searcher: Searcher, queries: dict[str, str], modes: list[str], *, depth: int = 100, progress: bool = False
) -> dict[str, dict[str, dict[str, float]]]:
    """The top `depth` papers per query and mode, ranked by `Searcher.search`: the path users' searches take."""
    runs: dict[str, dict[str, dict[str, float]]] = {m: {} for m in modes}
    for qid, text in tqdm(queries.items(), total=len(queries), disable=not progress):
        for mode in modes:
            hits = searcher.search(text, k=depth, mode=cast(Mode, mode))
            runs[mode][qid] = {hit.paper.id: float(hit.score) for hit in hits} or {"__none__": 0.0}
    return runs
