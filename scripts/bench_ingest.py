"""End-to-end ingest vs a naive baseline on the bundled sample (parsing and index writing included).

    .venv/bin/python scripts/bench_ingest.py [-n 300]

`paperkg ingest --no-tagger` (subprocess, fresh data home: parse, catalog, graph, BM25, dense index with the
default encoder) against a naive script on the same first n records of data/sample/arxiv-sample.jsonl.gz:
json.loads per line, `SentenceTransformer.encode(batch_size=32)` of title + ". " + abstract, a FAISS flat
index written to disk. Both run one after the other in this run; the int8 model is taken from the per-
machine cache (its one-time build is not counted, and is reported separately by bench_embed).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from paperkg.hostinfo import cpu_info  # the CPU the figures come from

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"


def naive(path: Path, out: Path) -> float:
    import faiss
    import numpy as np
    from paperkg.index.encoder import default_model_path
    from sentence_transformers import SentenceTransformer

    t = time.perf_counter()
    model = SentenceTransformer(default_model_path(), device="cpu", local_files_only=True)
    texts = [f"{r['title']}. {r['abstract']}" for r in map(json.loads, path.open(encoding="utf-8"))]
    vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(np.asarray(vectors, dtype=np.float32))
    faiss.write_index(index, str(out))
    return time.perf_counter() - t


def paperkg_ingest(path: Path, home: Path) -> float:
    exe = Path(sys.executable).parent / "paperkg"
    t = time.perf_counter()
    subprocess.run(
        [str(exe), "ingest", str(path), "--home", str(home), "--no-tagger", "--json"],
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=300)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="paperkg-bench-ingest-") as tmp:
        work = Path(tmp)
        src = work / "slice.jsonl"
        with gzip.open(SAMPLE, "rt", encoding="utf-8") as fh:
            lines = [line for _, line in zip(range(args.n), fh, strict=False)]
        src.write_text("".join(lines), encoding="utf-8")
        t_naive = naive(src, work / "naive.faiss")
        t_paperkg = paperkg_ingest(src, work / "home")
    print(
        json.dumps(
            {
                "records": len(lines),
                "naive_s": round(t_naive, 1),
                "paperkg_ingest_s": round(t_paperkg, 1),
                "speedup": round(t_naive / t_paperkg, 2),
                "host": cpu_info().to_dict(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
