"""Fit the learned fusion of `related` (graph/related_model.json) on a BEIR-layout relatedness folder.

For every seed of the qrels the product's own candidate sources and features are collected (graph/signals.py),
from the sources each model's features come from, as `related` will (a text-only model never sees the graph's
candidates); a logistic regression per model (signals.MODEL_FEATURES: default = text + graph, text = without
the graph, graph = graph only) is scored out-of-fold with grouped cross-validation, the groups being the
connected components of the qrels (papers co-cited in one citing paper stay on one side of a split), then
refitted on every seed and written.

Usage: python scripts/train_related.py ../shared/data/related/acm-cr-dev --home /work/cache/acm-home \
         [--out graph/related_model.json] [--candidates 100] [--features cos,bm25,...] [--dry-run]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MARGIN = 0.01  # nDCG@10 the graph features must add out of fold to stay in the default model


def components(qrels: dict[str, dict[str, int]]) -> dict[str, int]:
    """Connected component of each seed in the graph of qrels pairs (a stand-in for 'same citing paper')."""
    import networkx as nx

    g = nx.Graph()
    for q, rel in qrels.items():
        g.add_node(q)
        g.add_edges_from((q, d) for d in rel)
    out = {}
    for i, comp in enumerate(nx.connected_components(g)):
        for n in comp:
            out[n] = i
    return out


def sources_of(features: tuple[str, ...]) -> tuple[str, ...]:
    """The candidate sources `related` uses for a model reading these features."""
    from paperkg.graph.signals import SOURCES, families

    return tuple(s for s in SOURCES if s in families(features))


def collect_all(folder: Path, home: Path, candidates: int, steps: int, sources=("vector", "lexical", "graph")):
    from paperkg.catalog import open_catalog
    from paperkg.graph.build import load_graph
    from paperkg.graph.recommend import vector_store
    from paperkg.graph.signals import collect, lexical_index
    from paperkg.graph.walk import WalkConfig
    from paperkg.index.evaluate import load_qrels
    from paperkg.settings import load_settings

    settings = load_settings(home)
    qrels = load_qrels(folder / "qrels" / "test.tsv")
    catalog = open_catalog(settings.catalog_path)
    kg, store, lex = load_graph(settings), vector_store(settings), lexical_index(settings)
    groups = components(qrels)
    rows = []
    for seed, rel in qrels.items():
        pk = catalog.paper_pk(seed)
        if pk is None:
            continue
        s = collect(
            catalog,
            settings,
            kg,
            store,
            lex,
            [seed],
            [pk],
            [],
            sources=sources,
            candidates=candidates,
            walk=WalkConfig(steps=steps),
            negative_weight=0.5,
        )
        ids = catalog.paper_titles(s.pks.tolist())
        doc_ids = [ids[p][0] for p in s.pks.tolist()]
        y = np.asarray([d in rel for d in doc_ids], dtype=np.int8)
        rows.append((seed, groups[seed], doc_ids, s.features, y))
    return qrels, rows, kg


def stack(rows, names):
    x = np.concatenate([np.stack([f[n] for n in names], axis=1) for *_, f, _y in rows])
    y = np.concatenate([r[4] for r in rows])
    g = np.concatenate([[r[1]] * len(r[4]) for r in rows])
    return x, y, g


def run_of(rows, scores_per_row) -> dict[str, dict[str, float]]:
    """Each seed's top 100 candidates by score (ties in candidate order) as a ranx run."""
    run = {}
    for (seed, _g, docs, _f, _y), sc in zip(rows, scores_per_row, strict=True):
        order = np.lexsort((np.arange(len(sc)), -sc))[:100]
        run[seed] = {docs[i]: float(100 - r) for r, i in enumerate(order)} or {"__none__": 0.0}
    return run


def metrics_of(qrels, rows, scores_per_row):
    from paperkg.graph.evaluate import score_run

    return score_run(qrels, run_of(rows, scores_per_row))


def oof(rows, names, c, folds):
    from paperkg.graph.ranker import fit
    from sklearn.model_selection import GroupKFold

    x, y, g = stack(rows, names)
    seed_groups = np.asarray([r[1] for r in rows])
    scores = [None] * len(rows)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(np.zeros(len(rows)), groups=seed_groups):
        train = [rows[i] for i in train_idx]
        xt, yt, _ = stack(train, names)
        model = fit("cv", xt, yt, names, c)
        for i in test_idx:
            f = rows[i][3]
            scores[i] = ((np.stack([f[n] for n in names], axis=1) - model.mean) / model.scale) @ model.coef
    return scores


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=ROOT / "graph" / "related_model.json")
    ap.add_argument("--candidates", type=int, default=100)
    ap.add_argument("--steps", type=int, default=2)
    ap.add_argument("--c", type=float, default=0.1, help="inverse L2 strength of the logistic regression")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--default-features", default="", help="comma list (default: every feature)")
    ap.add_argument("--dry-run", action="store_true", help="report, write nothing")
    args = ap.parse_args(argv)

    from paperkg.graph.ranker import fit
    from paperkg.graph.signals import FEATURES, MODEL_FEATURES

    started = time.perf_counter()
    specs = dict(MODEL_FEATURES)
    if args.default_features:
        specs["default"] = tuple(args.default_features.split(","))
    rows_of: dict[tuple[str, ...], list] = {}
    for feats in specs.values():
        src = sources_of(feats)
        if src not in rows_of:
            qrels, rows_of[src], kg = collect_all(args.folder, args.home, args.candidates, args.steps, src)
            rows = rows_of[src]
            print(
                f"sources {'+'.join(src)}: {len(rows)} seeds, {sum(len(r[4]) for r in rows)} candidates, "
                f"{sum(int(r[4].sum()) for r in rows)} relevant among them ({time.perf_counter() - started:.0f}s)",
                file=sys.stderr,
            )
    every = rows_of.get(("vector", "lexical", "graph")) or max(rows_of.values(), key=len)
    report: dict = {"single": {}, "oof": {}}
    for name in FEATURES:  # each feature alone, as a ranking over the union of all sources
        report["single"][name] = metrics_of(qrels, every, [r[3][name] for r in every])
    for name, feats in specs.items():
        report["oof"][name] = metrics_of(
            qrels, rows_of[sources_of(feats)], oof(rows_of[sources_of(feats)], feats, args.c, args.folds)
        )
    for section in ("single", "oof"):
        for name, m in report[section].items():
            print(
                f"{section:6s} {name:10s} nDCG@10 {m['ndcg@10']:.4f}  R@100 {m['recall@100']:.4f}  "
                f"MRR@10 {m['mrr@10']:.4f}",
                file=sys.stderr,
            )
    models = {}
    # the graph-only model is scored (report) but not shipped: graph-only requests (no text index) rank by the
    # walk, which also follows citations and co-authors, signals this corpus does not have to learn from
    for name, feats in ((n, f) for n, f in specs.items() if n != "graph"):
        x, y, _g = stack(rows_of[sources_of(feats)], feats)
        models[name] = fit(name, x, y, feats, args.c).to_dict()
    # the graph earns its place in the default ranking only by a clear out-of-fold margin over text alone
    graph_adds = report["oof"]["default"]["ndcg@10"] >= report["oof"]["text"]["ndcg@10"] + MARGIN
    if not graph_adds:
        models["default"] = dict(models["text"])
        print(f"default: graph features add < {MARGIN} nDCG@10 out of fold: default = text model", file=sys.stderr)
    df = kg.entity_df if kg is not None else np.zeros(0)
    out = {
        "trained": datetime.now(UTC).isoformat(timespec="seconds"),
        "data": str(args.folder.name),
        "seeds": len(every),
        "candidates": args.candidates,
        "c": args.c,
        "entities": int(len(df)),
        "share_in_2plus_papers": round(float(np.mean(df >= 2)), 4) if len(df) else 0.0,
        "out_of_fold": report["oof"],
        "single_features": report["single"],
        "default_uses_graph": graph_adds,
        "models": models,
    }
    if not args.dry_run:
        args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.out}", file=sys.stderr)
    return out


if __name__ == "__main__":
    main()
