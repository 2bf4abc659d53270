"""Embedding benchmark: naive `SentenceTransformer.encode(batch_size=32)` vs paperkg's encoder backends.

    flock /tmp/bench.lock .venv/bin/python scripts/bench_embed.py -n 300 --rounds 3 \
        --backends onnx-int8,openvino-int8 [--quality torch,onnx-int8,openvino-int8]

Speed: each round walks the same real abstracts (SciFact corpus, or the bundled sample) in slices of --slice
texts and runs naive and every backend on each slice, in reverse order every other slice (no method always runs
first), so load from other jobs hits all of them alike; a method's round time is the sum over slices and the
ratio is the median of per-round ratios. Naive is `SentenceTransformer(path).encode(texts, batch_size=32)` with
torch's default threads (the machine's cores); the backends use --batch-size (default 32).
Quality (--quality): dense nDCG@10 on BEIR SciFact through `paperkg.pipeline.evaluate.evaluate_retrieval` for each
backend (`torch` is the naive fp32 model). The load average is printed before and after each part.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from paperkg.hostinfo import cpu_info  # the CPU the figures come from
from paperkg.index.backend_choice import embedding_choice

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SCIFACT = SHARED / "beir" / "scifact"
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "arxiv-sample.jsonl.gz"


def real_texts(n: int) -> tuple[list[str], str]:
    """Title + ". " + abstract of n real records: SciFact when present, else the bundled arXiv sample."""
    if (SCIFACT / "corpus.jsonl").is_file():
        path, opener, body = SCIFACT / "corpus.jsonl", open, "text"
    else:
        path, opener, body = SAMPLE, gzip.open, "abstract"
    texts = []
    with opener(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            texts.append(" ".join(f"{rec.get('title', '')}. {rec.get(body) or ''}".split()))
            if len(texts) >= n:
                break
    return texts, str(path)


def speed(n: int, rounds: int, backends: list[str], slice_size: int = 100, batch_size: int = 32) -> dict[str, object]:
    from paperkg.index.encoder import EncoderSpec, default_model_path, load_encoder
    from sentence_transformers import SentenceTransformer

    texts, source = real_texts(n)
    model = default_model_path()
    naive = SentenceTransformer(model, device="cpu", local_files_only=True)
    encoders = {}
    cache = str(Path(tempfile.gettempdir()) / "paperkg-bench-models")
    for b in backends:
        spec = EncoderSpec(model, "cpu", 256, b, cache)  # type: ignore[arg-type]
        encoders[b] = load_encoder(spec)
        encoders[b].encode(texts[:4])  # warm-up (session creation, first allocations)
    naive.encode(texts[:4])
    times: dict[str, list[float]] = {"naive": [], **{b: [] for b in backends}}
    load_before = os.getloadavg()
    for _ in range(rounds):
        spent = dict.fromkeys(times, 0.0)
        parts: dict[str, list[np.ndarray]] = {name: [] for name in times}
        for start in range(0, len(texts), slice_size):
            piece = texts[start : start + slice_size]
            order = list(times) if (start // slice_size + len(times["naive"])) % 2 == 0 else list(times)[::-1]
            for name in order:  # every other slice in reverse: no method always runs first (or after naive)
                t = time.perf_counter()
                if name == "naive":
                    parts[name].append(naive.encode(piece, batch_size=32, normalize_embeddings=True))
                else:
                    parts[name].append(encoders[name].encode(piece, batch_size=batch_size))
                spent[name] += time.perf_counter() - t
        for name in times:
            times[name].append(spent[name])
        ref = np.concatenate(parts["naive"])
        vectors = {b: np.concatenate(parts[b]) for b in backends}
    rows = []
    for name, ts in times.items():
        ratios = [tn / tb for tn, tb in zip(times["naive"], ts, strict=True)]
        cos = (vectors[name] * ref).sum(axis=1) if name in vectors else None
        rows.append(
            {
                "method": name,
                "docs_per_s": round(n / statistics.median(ts), 2),
                "ratio_vs_naive": round(statistics.median(ratios), 2),
                "cosine_mean": None if cos is None else round(float(cos.mean()), 4),
                "cosine_min": None if cos is None else round(float(cos.min()), 4),
                "seconds_per_round": [round(x, 2) for x in ts],
            }
        )
    return {
        "texts": n,
        "source": source,
        "rounds": rounds,
        "slice": slice_size,
        "batch_size": batch_size,
        "rows": rows,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg(),
    }


def quality(backends: list[str]) -> dict[str, object]:
    from paperkg.pipeline.evaluate import evaluate_retrieval
    from paperkg.settings import load_settings

    out: dict[str, object] = {"loadavg_before": os.getloadavg()}
    for b in backends:  # evaluate_retrieval ingests into a temporary home (the int8 model is built there)
        settings = load_settings(None, tagger=False, encoder_backend=b, device="cpu")
        res = evaluate_retrieval(SCIFACT, settings, modes=["dense"], progress=False)
        out[b] = round(res["dense"]["ndcg@10"], 4)
    out["loadavg_after"] = os.getloadavg()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--backends", default="onnx-int8", help="comma-separated: onnx-int8,openvino-int8,torch")
    ap.add_argument("--slice", type=int, default=100, help="texts per interleaved slice")
    ap.add_argument("--batch-size", type=int, default=32, help="batch size of the paperkg backends (naive: 32)")
    ap.add_argument("--quality", default="", help="backends to score on SciFact: torch,onnx-int8")
    args = ap.parse_args()
    result: dict[str, object] = {
        "speed": speed(args.n, args.rounds, args.backends.split(","), args.slice, args.batch_size)
    }
    if args.quality:
        result["quality_ndcg10"] = quality(args.quality.split(","))
    choice = embedding_choice()
    result["host"] = {**cpu_info().to_dict(), "auto_backend": choice.backend, "auto_reason": choice.reason}
    print(cpu_info().describe(), file=sys.stderr)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
