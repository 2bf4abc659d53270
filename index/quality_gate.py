"""Per-host quality gate for int8 embedding models: cosine to fp32 on a calibration slice, cached by CPU signature.

A build's own check ran where it was built (and builds are copied between data homes); int8 kernels differ by
CPU (AVX2, AVX-512 VNNI, AMX), so each artifact is checked again where it runs, once per (artifact, host
signature), in a few seconds. Measured cosines to fp32 (mean / min): onnx-int8 0.9934 / 0.9899 and openvino-int8
0.9952 / 0.9920 on AMD EPYC AVX2; onnx-int8 0.9947 and openvino-int8 0.9974 (means) on an AMX Xeon. A broken
recipe (per-tensor int8 on AVX2) gave 0.936 / 0.895, which the thresholds refuse.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from paperkg.encoding import TextEncoder
from paperkg.host_cache import cached_result
from paperkg.hostinfo import cpu_info

log = logging.getLogger(__name__)

MIN_COSINE = 0.97  # the lowest text of the slice (as the build check, index/fast_encoder.py)
MIN_MEAN_COSINE = 0.985
SLICE_SIZE = 32  # abstracts of the bundled sample, every k-th record: seconds on 2 cores
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "arxiv-sample.jsonl.gz"
_RECIPE = f"v1:sample-every-kth:{SLICE_SIZE}:min-{MIN_COSINE}:mean-{MIN_MEAN_COSINE}"


@dataclass(frozen=True, slots=True)
class EmbedGate:
    passed: bool
    mean_cosine: float
    min_cosine: float
    texts: int
    seconds: float
    host: str
    cpu: str

    def notice(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"embedding host gate {verdict} on {self.cpu}: cosine to fp32 mean {self.mean_cosine:.4f} "
            f"(min {MIN_MEAN_COSINE}), lowest {self.min_cosine:.4f} (min {MIN_COSINE}) on {self.texts} texts"
        )


def calibration_slice(path: Path = SAMPLE, n: int = SLICE_SIZE) -> list[str]:
    """Fixed texts plus every k-th title + abstract of the bundled arXiv sample (when the repository has it)."""
    from paperkg.index.fast_encoder import _VALIDATION_TEXTS

    texts = list(_VALIDATION_TEXTS)
    if path.is_file():
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            records = [json.loads(line) for line in fh if line.strip()]
        step = max(1, len(records) // n)
        for rec in records[::step][:n]:
            texts.append(f"{rec.get('title', '').strip()}. {rec.get('abstract', '').strip()}")
    return texts


def measure(make_fast: Callable[[], TextEncoder], model_path: str, max_seq_length: int, texts: list[str]) -> EmbedGate:
    """Cosine of the int8 vectors to fp32 sentence-transformers vectors of the same texts."""
    from sentence_transformers import SentenceTransformer

    started = time.perf_counter()
    fast = make_fast()
    reference = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    reference.max_seq_length = max_seq_length
    ref = reference.encode(texts, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
    cos = (fast.encode(texts, batch_size=32) * ref).sum(axis=1)
    mean, low = float(cos.mean()), float(cos.min())
    host = cpu_info()
    return EmbedGate(
        mean >= MIN_MEAN_COSINE and low >= MIN_COSINE,
        round(mean, 5),
        round(low, 5),
        len(texts),
        round(time.perf_counter() - started, 2),
        host.signature,
        host.model,
    )


def cache_path(artifact: Path) -> Path:
    """One result per artifact and host kind in the user-level model cache, so that each new data home (the
    test suite makes dozens) reuses it; the artifact's name carries its fingerprint."""
    from paperkg.index.fast_encoder import shared_cache

    return shared_cache() / "gates" / f"{artifact.stem}.gate-{cpu_info().signature}.json"


def _artifact_sha(artifact: Path) -> str | None:
    try:
        return json.loads(artifact.with_suffix(".json").read_text(encoding="utf-8")).get("sha256")
    except (OSError, ValueError, AttributeError):
        return None


def gate_artifact(
    artifact: Path, make_fast: Callable[[], TextEncoder], model_path: str, max_seq_length: int
) -> EmbedGate:
    """The gate result of an int8 artifact on this host: read from its cache file, else measured and cached."""

    def run() -> EmbedGate:
        result = measure(make_fast, model_path, max_seq_length, calibration_slice())
        log.info("%s", result.notice())  # a failure is reported once, by the caller that falls back
        return result

    key = {"recipe": _RECIPE, "artifact_sha256": _artifact_sha(artifact)}
    return cast(EmbedGate, cached_result(cache_path(artifact), key, EmbedGate, run))  # run() always measures
