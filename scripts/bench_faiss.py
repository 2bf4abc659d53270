"""Large-index benchmark: p99 single-query latency and recall@10 against exact search at 1M vectors.

    .venv/bin/python scripts/bench_faiss.py [--base 3000] [--queries 300] [--total 1000000]

No real 1M-vector collection can be embedded on this machine (2 cores, ~5-25 abstracts/s), so the collection
is grown from real embeddings: `--base` real arXiv abstracts (../shared/data/arxiv/abstracts, Doragd daily
files) are embedded with paperkg's encoder; each synthetic vector is a real parent plus Gaussian noise drawn
with the real vectors' covariance (PCA-faithful: the noise follows the data's principal directions),
renormalised; the noise scale is set so that the median cosine of a child to its parent equals the median
cosine of a real vector to its nearest real neighbour. Queries are `--queries` other real abstracts (not in
the base). Ground truth: exact inner-product search over the full collection.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np
from paperkg.hostinfo import cpu_info  # the CPU the figures come from

ABSTRACTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "arxiv" / "abstracts"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "arxiv-sample.jsonl.gz"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def real_abstracts(n: int) -> list[str]:
    texts: list[str] = []
    files = sorted(ABSTRACTS.glob("Doragd*/paperBotV2/arxiv_daily/data/*.json.gz"))
    for f in files:
        for rec in json.loads(gzip.open(f).read()).values():
            texts.append(" ".join(f"{rec['title']}. {rec['ori_summary']}".split()))
        if len(texts) >= n:
            return texts[:n]
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:  # fallback without ../shared
        texts += [" ".join(f"{r['title']}. {r['abstract']}".split()) for r in map(json.loads, fh)]
    return texts[:n]


def real_vectors(n: int, cache: Path, max_seq_length: int) -> np.ndarray:
    if cache.is_file():
        vecs = np.load(cache)
        if len(vecs) >= n:
            return vecs[:n]
    from paperkg.index.encoder import EncoderSpec, default_model_path, load_encoder

    spec = EncoderSpec(default_model_path(), "cpu", max_seq_length, "onnx-int8", str(cache.parent / "models"))
    vecs = load_encoder(spec).encode(real_abstracts(n), batch_size=32)
    np.save(cache, vecs)
    return vecs


def expand(base: np.ndarray, total: int, seed: int = 0) -> tuple[np.ndarray, float]:
    """Grow `base` to `total` unit vectors: real parents + covariance-shaped noise (see module docstring)."""
    rng = np.random.default_rng(seed)
    sims = base @ base.T
    np.fill_diagonal(sims, -1)
    target = float(np.median(sims.max(axis=1)))  # median cosine of a real vector to its nearest real neighbour
    mean = base.mean(axis=0)
    _u, s, vt = np.linalg.svd(base - mean, full_matrices=False)
    scales = s / np.sqrt(len(base) - 1)  # std along each principal direction

    def children(parents: np.ndarray, scale: float, r: np.random.Generator) -> np.ndarray:
        noise = (r.standard_normal((len(parents), len(scales))) * scales) @ vt
        out = parents + scale * noise
        return out / np.linalg.norm(out, axis=1, keepdims=True)

    lo, hi = 0.0, 4.0  # bisection on the noise scale
    probe = base[rng.integers(0, len(base), 2000)]
    for _ in range(30):
        mid = (lo + hi) / 2
        cos = np.median((children(probe, mid, np.random.default_rng(1)) * probe).sum(axis=1))
        lo, hi = (mid, hi) if cos > target else (lo, mid)
    scale = (lo + hi) / 2
    out = np.empty((total, base.shape[1]), dtype=np.float32)
    out[: len(base)] = base
    for start in range(len(base), total, 100_000):
        stop = min(total, start + 100_000)
        out[start:stop] = children(base[rng.integers(0, len(base), stop - start)], scale, rng)
    return out, target


def latency_recall(index: faiss.Index, xb_truth: np.ndarray, queries: np.ndarray, k: int = 10) -> dict[str, float]:
    lat = []
    found = np.zeros((len(queries), k), dtype=np.int64)
    for i, q in enumerate(queries):
        t = time.perf_counter()
        _d, ids = index.search(q[None, :], k)
        lat.append((time.perf_counter() - t) * 1000)
        found[i] = ids[0]
    recall = np.mean([len(set(f) & set(t)) / k for f, t in zip(found, xb_truth, strict=True)])
    lat.sort()
    return {
        "p50_ms": round(statistics.median(lat), 2),
        "p99_ms": round(lat[int(0.99 * (len(lat) - 1))], 2),
        "recall@10": round(float(recall), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=int, default=3000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--total", type=int, default=1_000_000)
    ap.add_argument("--max-seq-length", type=int, default=128, help="for embedding the base (speed only)")
    ap.add_argument("--cache", type=Path, default=Path("/tmp/paperkg-bench/real_vectors.npy"))
    ap.add_argument("--threads", type=int, default=1, help="FAISS threads for the single-query timing")
    ap.add_argument("--nlist", type=int, default=4096, help="IVF lists (paperkg uses 4*sqrt(n): 4,000 at 1M)")
    ap.add_argument("--train-per-list", type=int, default=16, help="k-means training vectors per list")
    ap.add_argument(
        "--kinds",
        default="ivf-sq8",
        help="comma list: ivf-sq8 (paperkg's type above the exact threshold), ivf-pq48, ivf-sq8-hnswq "
        "(IVF-SQ8 with an HNSW coarse quantizer), hnsw32 (HNSW32 graph over float32 vectors)",
    )
    ap.add_argument("--nprobes", default="8,16,32,64,96,128")
    ap.add_argument("--efsearch", default="16,32,64,128", help="HNSW efSearch values")
    args = ap.parse_args()
    args.cache.parent.mkdir(parents=True, exist_ok=True)
    real = real_vectors(args.base + args.queries, args.cache, args.max_seq_length).astype(np.float32)
    base, queries = real[: args.base], real[args.base : args.base + args.queries]
    t = time.perf_counter()
    xb, nn_cos = expand(base, args.total)
    report: dict[str, object] = {
        "base_real": len(base),
        "queries_real": len(queries),
        "total": len(xb),
        "median_nn_cosine_real": round(nn_cos, 4),
        "expand_s": round(time.perf_counter() - t, 1),
    }
    log(f"expanded to {len(xb)} vectors")
    dim = xb.shape[1]
    exact = faiss.IndexFlatIP(dim)
    exact.add(xb)
    _d, truth = exact.search(queries, 10)
    faiss.omp_set_num_threads(args.threads)
    report["flat"] = {**latency_recall(exact, truth, queries), "bytes_per_vector": dim * 4}
    log(f"flat: {report['flat']}")
    del exact
    rows = {}
    nlist = args.nlist
    rng = np.random.default_rng(0)
    train = xb[rng.choice(len(xb), size=min(len(xb), args.train_per_list * nlist), replace=False)]
    factories = {
        "ivf-sq8": f"IVF{nlist},SQ8",
        "ivf-pq48": f"IVF{nlist},PQ48",
        "ivf-sq8-hnswq": f"IVF{nlist}_HNSW32,SQ8",
        "hnsw32": "HNSW32,Flat",
    }
    for name in args.kinds.split(","):
        faiss.omp_set_num_threads(2)
        t = time.perf_counter()
        index = faiss.index_factory(dim, factories[name], faiss.METRIC_INNER_PRODUCT)
        if name.startswith("ivf"):
            faiss.extract_index_ivf(index).cp.niter = 10
            index.train(train)
            log(f"{name}: trained in {time.perf_counter() - t:.0f} s")
        else:
            faiss.downcast_index(index).hnsw.efConstruction = 40
        for start in range(0, len(xb), 100_000):
            index.add(xb[start : start + 100_000])
        build_s = time.perf_counter() - t
        log(f"{name}: built in {build_s:.0f} s")
        faiss.omp_set_num_threads(args.threads)
        if name.startswith("ivf"):
            for nprobe in map(int, args.nprobes.split(",")):
                faiss.extract_index_ivf(index).nprobe = nprobe
                key = f"{name} nlist={nlist} nprobe={nprobe}"
                rows[key] = {**latency_recall(index, truth, queries), "build_s": round(build_s, 1)}
                log(f"{key}: {rows[key]}")
        else:
            for ef in map(int, args.efsearch.split(",")):
                faiss.downcast_index(index).hnsw.efSearch = ef
                key = f"{name} efSearch={ef}"
                rows[key] = {**latency_recall(index, truth, queries), "build_s": round(build_s, 1)}
                log(f"{key}: {rows[key]}")
        del index
    report["approximate"] = rows
    report["host"] = cpu_info().to_dict()
    log(cpu_info().describe())
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
