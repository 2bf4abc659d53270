"""Tune hybrid fusion on BEIR SciFact *train* queries, then report every variant on the test queries.

Usage: python scripts/tune_fusion.py [--data ../shared/data/beir/scifact] [--home bench-out/scifact-home]
The home is built once (ingest + embed) and reused, so variants differ only in how rankings are fused.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.index import fusion
from paperkg.index.evaluate import load_qrels, load_queries
from paperkg.index.lexical import LexicalIndex, document_text
from paperkg.index.search import Searcher
from paperkg.pipeline import run_ingest
from paperkg.settings import load_settings
from ranx import Qrels, Run, evaluate


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--data", type=Path, default=Path("../shared/data/beir/scifact"))
    ap.add_argument("--home", type=Path, default=Path("bench-out/scifact-home"))
    ap.add_argument("--depth", type=int, default=100)
    args = ap.parse_args()
    settings = load_settings(args.home, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        run_ingest(catalog, settings, [args.data / "corpus.jsonl"], tagger=False, graph=False)
        searcher = Searcher(settings, catalog)
        papers = list(catalog.iter_papers())
        pk_to_id = {pk: p.id for pk, _h, p in papers}
        # BM25 variants: parameters and a title boost (extra copies of the title), built in memory
        lexical_variants = {}
        for k1, b, title_repeat in [
            (1.2, 0.75, 0),
            (1.2, 0.75, 1),
            (1.5, 0.75, 0),
            (0.9, 0.4, 0),
            (0.9, 0.4, 1),
            (1.2, 0.9, 1),
        ]:
            lexical_variants[(k1, b, title_repeat)] = LexicalIndex.build(
                [(pk, document_text(p.title, p.abstract, title_repeat)) for pk, _h, p in papers], k1=k1, b=b
            )
        table = {}
        for split in ("train", "test"):
            qrels = load_qrels(args.data / "qrels" / f"{split}.tsv")
            queries = load_queries(args.data / "queries.jsonl", set(qrels))
            qids = list(queries)
            dense = searcher.dense.search(searcher.embed([queries[q] for q in qids]), args.depth)
            lexical = [searcher.lexical.search([queries[q]], args.depth)[0] for q in qids]

            def score(fuse, qrels=qrels, qids=qids, dense=dense, lexical=lexical) -> float:
                run = {}
                for i, q in enumerate(qids):
                    ranked = fuse(dense[i], lexical[i])[:100]
                    run[q] = {pk_to_id[f.pk]: f.score for f in ranked} or {"none": 0.0}
                return float(evaluate(Qrels(qrels), Run(run), "ndcg@10"))

            variants = {
                "dense": lambda d, lx: fusion.convex(d, [], 1.0),
                "lexical": lambda d, lx: fusion.convex([], lx, 0.0),
                "rrf k=60": lambda d, lx: fusion.rrf(d, lx, 60),
                "rrf k=20": lambda d, lx: fusion.rrf(d, lx, 20),
            }
            for w in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
                variants[f"convex minmax w={w}"] = lambda d, lx, w=w: fusion.convex(d, lx, w)
            for name, fuse in variants.items():
                table.setdefault(name, {})[split] = score(fuse)
            for (k1, b, tr), index in lexical_variants.items():
                runs = [index.search([queries[q]], args.depth)[0] for q in qids]
                name = f"bm25 k1={k1} b={b} title+{tr}"
                table.setdefault(name, {})[split] = score(lambda d, lx: fusion.convex([], lx, 0.0), lexical=runs)
                for w in (0.4, 0.5, 0.6):
                    table.setdefault(f"convex w={w} over {name}", {})[split] = score(
                        lambda d, lx, w=w: fusion.convex(d, lx, w), lexical=runs
                    )
    print("| variant | nDCG@10 train (tuning) | nDCG@10 test |")
    print("|---|---|---|")
    for name, r in table.items():
        print(f"| {name} | {r['train']:.4f} | {r['test']:.4f} |")
    Path("bench-out/tune_fusion.json").write_text(json.dumps(table, indent=2))


if __name__ == "__main__":
    main()
