"""Load benchmark of GET /search: concurrent clients on loopback for a bounded time, throughput and latency.

Starts `uvicorn paperkg.api.app:create_app` on a free port over a data home (or uses --url), warms it
up, then runs --concurrency async httpx clients for --duration seconds, cycling through a query list.
Reports req/s, p50/p90/p99/max latency, errors by kind, and the server settings. Numbers hold for this
machine at this moment: compare runs made side by side.

    .venv/bin/python scripts/bench_load.py --home ~/.paperkg --workers 2 --concurrency 64 --duration 20

A home of any size can be synthesized from the bundled sample for timing only (--synthesize N): the
sample's 2,100 real records are repeated under new ids with their real vectors plus small noise, so the
indexes have the requested size, but it is NOT a retrieval-quality benchmark.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import httpx
from paperkg.api.live import ServerDidNotStart, free_port, uvicorn_command, wait_healthy
from paperkg.hostinfo import cpu_info  # the CPU the figures come from

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"
QUERIES = [
    "large language model agents",
    "graph neural networks for molecules",
    "diphoton production at the LHC",
    "contrastive learning for video",
    "reinforcement learning from human feedback",
    "dark matter halos",
    "quantum error correction",
    "lattice QCD",
    "image segmentation transformer",
    "Bayesian inference MCMC",
    "density functional theory graphite",
    "reward modeling preference",
    "planning with language models",
    "topological insulators",
    "speech recognition low resource",
    "galaxy cluster lensing",
    "neural machine translation",
    "stochastic gradient descent convergence",
    "protein structure prediction",
    "federated learning privacy",
    "black hole thermodynamics",
    "cosmic microwave background",
    "code generation benchmark",
    "retrieval augmented generation",
    "diffusion models image synthesis",
    "modular forms",
    "random matrix theory",
    "spin glass",
    "superconductivity cuprates",
    "robot manipulation",
]


# ---------------------------------------------------------------------------------------------- server
def start_server(home: Path, workers: int, port: int, log: Path, threads: int | None) -> subprocess.Popen:
    env = {
        **os.environ,
        "PAPERKG_HOME": str(home),
        "PAPERKG_TAGGER": "false",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }
    if threads:  # native thread pools per worker (FAISS/OpenMP, BLAS, torch): workers x threads <= cores
        env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    cmd = uvicorn_command(port, "--workers", str(workers), "--no-access-log")
    with log.open("wb") as fh:
        return subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env)


def wait_up(url: str, proc: subprocess.Popen | None, timeout: float = 180) -> None:
    try:
        wait_healthy(url, proc, timeout=timeout, interval=0.3)
    except ServerDidNotStart as exc:
        raise SystemExit(str(exc)) from None


# ---------------------------------------------------------------------------------------------- load
async def run_load(
    url: str, queries: list[str], params: dict, concurrency: int, duration: float, path: str = "/search"
) -> dict:
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    stop = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:

        async def worker(i: int) -> None:
            n = i
            while time.perf_counter() < stop:
                q = queries[n % len(queries)]
                n += concurrency
                t0 = time.perf_counter()
                try:
                    r = await client.get(path, params={"q": q, **params} if path == "/search" else None)
                    if r.status_code != 200:
                        errors[f"HTTP {r.status_code}"] += 1
                        continue
                except httpx.HTTPError as exc:
                    errors[type(exc).__name__] += 1
                    continue
                latencies.append(time.perf_counter() - t0)

        started = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p: float) -> float:
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2) if latencies else 0.0

    return {
        "requests": len(latencies) + sum(errors.values()),
        "ok": len(latencies),
        "errors": dict(errors),
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1),
        "latency_ms": {
            "p50": pct(0.50),
            "p90": pct(0.90),
            "p99": pct(0.99),
            "max": pct(1.0),
            "mean": round(1000 * statistics.fmean(latencies), 2) if latencies else 0.0,
        },
    }


WRK_SCRIPT = """
paths = {%s}
n = 0
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\nWRK {"requests": %%d, "duration_us": %%d, "connect": %%d, "read": %%d, "write": %%d, ' ..
    '"status": %%d, "timeout": %%d, "p50": %%d, "p90": %%d, "p99": %%d, "max": %%d, "mean": %%f}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def run_wrk(
    url: str, queries: list[str], params: dict, concurrency: int, duration: float, path: str = "/search"
) -> dict:
    """The same load driven by wrk (C, epoll, one thread): the client takes a fraction of the CPU that an
    asyncio Python client needs, which matters when client and server share 2 cores."""
    import tempfile
    import urllib.parse

    if path == "/search":
        paths = [f"/search?{urllib.parse.urlencode({'q': q, **params})}" for q in queries]
    else:
        paths = [path]
    lua = WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    try:
        cmd = [
            "wrk",
            "-t1",
            f"-c{concurrency}",
            f"-d{max(1, round(duration))}s",
            "--timeout",
            "30s",
            "-s",
            fh.name,
            url,
        ]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(fh.name)
    w = json.loads(out.rsplit("WRK ", 1)[1])
    errors = {k: w[k] for k in ("connect", "read", "write", "status", "timeout") if w[k]}
    ok = w["requests"] - w["status"] - w["timeout"] - w["read"]
    seconds = w["duration_us"] / 1e6
    return {
        "requests": w["requests"],
        "ok": ok,
        "errors": {("HTTP non-2xx" if k == "status" else k): v for k, v in errors.items()},
        "seconds": round(seconds, 2),
        "req_per_s": round(ok / seconds, 1),
        "latency_ms": {
            **{p: round(w[p] / 1000, 2) for p in ("p50", "p90", "p99", "max")},
            "mean": round(w["mean"] / 1000, 2),
        },
    }


# ------------------------------------------------------------------------------------------- synthetic home
def synthesize(home: Path, n: int) -> None:
    """A home of n papers for timing: the bundled sample repeated under new ids, vectors = real + noise."""
    import numpy as np
    from paperkg.catalog import open_catalog
    from paperkg.index.build import DENSE, dense_root, lexical_root
    from paperkg.index.dense import DenseIndex
    from paperkg.index.encoder import load_encoder, spec_from_settings
    from paperkg.index.lexical import LexicalIndex, document_text
    from paperkg.ingest.json_records import from_json
    from paperkg.records import Paper
    from paperkg.settings import load_settings

    home.mkdir(parents=True, exist_ok=True)
    settings = load_settings(home, tagger=False)
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
        base = [from_json(json.loads(line)) for line in fh if line.strip()]
    spec = spec_from_settings(settings)
    encoder = load_encoder(spec)
    # the sample's vectors are kept beside the home's parent, keyed by the encoder, for the next synthesis
    tag = hashlib.sha256(json.dumps(spec.describe(), sort_keys=True, default=str).encode()).hexdigest()[:12]
    cached = home.parent / f".bench-sample-vectors-{tag}.npy"
    if cached.is_file():
        vectors = np.load(cached, allow_pickle=False)
    else:
        t0 = time.perf_counter()
        vectors = encoder.encode([p.text for p in base], batch_size=settings.batch_size)
        print(f"embedded {len(base)} sample papers in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
        np.save(cached, vectors, allow_pickle=False)
    rng = np.random.default_rng(0)
    dense = DenseIndex.empty(encoder.dim, spec.describe())
    with open_catalog(settings.catalog_path) as catalog:
        for start in range(0, n, 5000):
            copies = []
            for i in range(start, min(n, start + 5000)):
                p = base[i % len(base)]
                d = p.to_dict()
                d.pop("year", None)
                d.update(id=f"{i // len(base):04d}.{i:06d}" if i >= len(base) else p.id, source="synthetic")
                copies.append(Paper(**{k: v for k, v in d.items() if k in Paper.__slots__}))
            with catalog.transaction():
                catalog.upsert_papers(copies)
            pks = [catalog.paper_pk(c.id) for c in copies]
            noise = rng.normal(0, 0.02, (len(copies), vectors.shape[1])).astype("float32")
            chunk = vectors[[i % len(base) for i in range(start, start + len(copies))]] + noise
            chunk /= np.linalg.norm(chunk, axis=1, keepdims=True)
            dense.add(pks, chunk)
            with catalog.transaction():
                catalog.mark_indexed(DENSE, pks)
        dense.rebalance(settings.exact_index_max)
        dense.save(dense_root(settings))
        docs = ((pk, document_text(p.title, p.abstract)) for pk, _h, p in catalog.iter_papers())
        LexicalIndex.build(docs, progress=False).save(lexical_root(settings))
        print(f"synthesized {catalog.count_papers()} papers in {home} ({dense.kind})", file=sys.stderr)


# ---------------------------------------------------------------------------------------------- main
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--home", type=Path, help="data home to serve (ignored with --url)")
    ap.add_argument("--url", help="benchmark a running server instead of starting one")
    ap.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    ap.add_argument("--threads", type=int, help="OMP/BLAS threads per worker (default: library default)")
    ap.add_argument("--concurrency", type=int, default=32, help="concurrent client connections")
    ap.add_argument("--duration", type=float, default=15.0, help="seconds of load (bounded)")
    ap.add_argument("--mode", default="hybrid", choices=["hybrid", "dense", "lexical"])
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--path", default="/search", help="/search, or /health for the server stack's ceiling")
    ap.add_argument("--warmup", type=float, default=10.0, help="seconds of unmeasured load first")
    ap.add_argument("--distinct", type=int, default=len(QUERIES), help="distinct queries cycled through")
    ap.add_argument(
        "--queries",
        choices=["topics", "titles"],
        default="topics",
        help="topics: 30 short topic queries (after warm-up every query vector is cached: the popular-query "
        "case); titles: --distinct real paper titles from the bundled sample, each new to the server (every "
        "request embeds its query: the cold case)",
    )
    ap.add_argument("--synthesize", type=int, metavar="N", help="first build a synthetic N-paper home in --home")
    ap.add_argument(
        "--client",
        choices=["auto", "wrk", "httpx"],
        default="auto",
        help="load generator: wrk (C, light on CPU; `apt install wrk`) or the asyncio httpx client; "
        "auto = wrk when on PATH",
    )
    ap.add_argument("--json", type=Path, help="also write the report here")
    args = ap.parse_args()

    if args.synthesize:
        if args.home is None:
            raise SystemExit("--synthesize needs --home")
        synthesize(args.home, args.synthesize)
    if args.queries == "titles":
        with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
            titles = [" ".join(json.loads(line)["title"].split()) for line in fh if line.strip()]
        # warm-up uses the last titles, the measured run the first ones: no measured query is cached
        warm_queries, queries = titles[-200:], titles[: min(args.distinct, len(titles) - 200)]
    else:
        queries = [QUERIES[i % len(QUERIES)] + ("" if i < len(QUERIES) else f" {i}") for i in range(args.distinct)]
        warm_queries = queries
    proc = None
    if args.url:
        url = args.url.rstrip("/")
    else:
        if args.home is None:
            raise SystemExit("give --home or --url")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_load_{port}.log"
        proc = start_server(args.home, args.workers, port, log, args.threads)
    try:
        wait_up(url, proc)
        health = httpx.get(f"{url}/health").json()
        params = {"mode": args.mode, "k": args.k}
        client = args.client if args.client != "auto" else ("wrk" if shutil.which("wrk") else "httpx")
        # warm-up at full concurrency: each server thread builds its searcher before the clock starts
        asyncio.run(run_load(url, warm_queries, params, args.concurrency, args.warmup, args.path))
        if client == "wrk":
            result = run_wrk(url, queries, params, args.concurrency, args.duration, args.path)
        else:
            result = asyncio.run(run_load(url, queries, params, args.concurrency, args.duration, args.path))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(15)
    report = {
        "result": result,
        "server": {
            "url": url,
            "workers": None if args.url else args.workers,
            "threads": args.threads,
            "papers": health.get("papers"),
            "server": "uvicorn (httptools/uvloop if installed)",
            "access_log": False,
        },
        "load": {
            "endpoint": args.path,
            **params,
            "concurrency": args.concurrency,
            "duration_s": args.duration,
            "distinct_queries": len(queries),
            "queries": args.queries,
            "client": client,
        },
        "machine": {
            **cpu_info().to_dict(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
    }
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
