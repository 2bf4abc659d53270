"""OpenVINO static int8: the packaged model exported to ONNX locally, quantized post-training by NNCF.

Calibration uses real arXiv abstracts (title + abstract of the bundled sample, a fixed random subset), never
evaluation queries. `auto` picks it first only on VNNI hosts without AMX bf16 (index/backend_choice.py). On a
2-core AVX2 AMD EPYC it is slower than `onnx-int8` (1.17x naive vs 1.86x; SciFact dense nDCG@10 0.6432 vs 0.6484
fp32): OpenVINO's int8 FullyConnected falls back to a generic int8 GEMM (jit_gemm_I8) there, and the quantized
attention MatMuls break its fused attention. On a 2-core AMX Xeon it is the fastest path (3.92x naive) but SciFact
drops to 0.6431 (-0.0053), so openvino-bf16 (3.3-3.7x, 0.6476) comes first there. The IR is also the container
for openvino-bf16's build (`ensure_ir`).
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
from paperkg import encoding
from paperkg.index import fast_encoder

VARIANT = "openvino-int8"
CALIBRATION_SIZE = 300
CALIBRATION_SEED = 0
# a change here changes the fingerprint (indexes built with another recipe refuse to load)
_RECIPE = f"v1:opset17:nncf-static-int8:transformer:arxiv-sample:{CALIBRATION_SIZE}:seed{CALIBRATION_SEED}"
MIN_COSINE = fast_encoder.MIN_COSINE
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample" / "arxiv-sample.jsonl.gz"
_SUFFIXES = (".json", ".bin", ".xml")  # copied in this order: the .xml last, its presence means complete


def available() -> bool:
    """True when OpenVINO (inference), NNCF (quantization) and onnx (export) are installed."""
    return all(importlib.util.find_spec(name) is not None for name in ("openvino", "nncf", "onnx"))


def fingerprint(base_fingerprint: str) -> str:
    """Differs from the fp32 and the onnx-int8 fingerprints: an index says which model built it."""
    return hashlib.sha256(f"{base_fingerprint}:{_RECIPE}".encode()).hexdigest()[:16]


def artifact_path(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"{Path(model_path).name}-{fingerprint(base_fingerprint)}-{VARIANT}.xml"


def calibration_texts(path: Path = SAMPLE, n: int = CALIBRATION_SIZE, seed: int = CALIBRATION_SEED) -> list[str]:
    """A fixed random subset of real arXiv records (Kaggle schema, gzipped JSON lines): title + abstract."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: calibration abstracts for the OpenVINO int8 build are missing")
    texts = []
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                text = " ".join(f"{rec.get('title') or ''}. {rec.get('abstract') or ''}".split())
                if len(text) > 40:
                    texts.append(text)
    picked = np.random.default_rng(seed).permutation(len(texts))[:n]
    return [texts[i] for i in sorted(picked)]


def ensure_model(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    """The quantized model (.xml + .bin + .json) under cache_dir, built atomically when missing."""

    def build(work: Path) -> dict[str, object]:
        _export_quantize(model_path, work)
        cosine = fast_encoder.validate(OpenVinoEncoder(work, model_path, 256), model_path, 256)
        return {"variant": VARIANT, "recipe": _RECIPE, "base_fingerprint": base_fingerprint, **cosine_meta(cosine)}

    return ensure_ir(artifact_path(model_path, base_fingerprint, cache_dir), build)


def ensure_ir(target: Path, build: Callable[[Path], dict[str, object]]) -> Path:
    """An OpenVINO IR (.xml + .bin + .json meta) at `target`: present, copied from the user-level cache (checked
    by sha256), else written by `build(work_xml)` (which returns the meta, `cosine_meta` among it) in a temporary
    folder and moved in atomically, the .xml last."""
    if all(target.with_suffix(s).is_file() for s in _SUFFIXES):
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shared = fast_encoder.shared_cache() / target.name
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp) / "model.xml"
        if all(shared.with_suffix(s).is_file() for s in _SUFFIXES) and _matches(shared):
            for suffix in _SUFFIXES:
                shutil.copyfile(shared.with_suffix(suffix), work.with_suffix(suffix))
        else:
            meta = {**build(work), "sha256": fast_encoder.file_sha256(work.with_suffix(".bin"))}
            work.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for suffix in _SUFFIXES:
            os.replace(work.with_suffix(suffix), target.with_suffix(suffix))
    if target.parent.resolve() != shared.parent.resolve() and not shared.is_file():
        try:
            fast_encoder.ensure_copy(target, shared, _SUFFIXES)
        except OSError:
            pass  # a read-only home directory only costs later homes a rebuild
    return target


def cosine_meta(cosine: float) -> dict[str, float]:
    """The build check's result as `is_valid` reads it from the meta."""
    return {"min_cosine_to_fp32": round(cosine, 5)}


def _matches(xml: Path) -> bool:
    meta = json.loads(xml.with_suffix(".json").read_text(encoding="utf-8"))
    return meta.get("sha256") == fast_encoder.file_sha256(xml.with_suffix(".bin"))


def is_valid(xml: Path) -> bool:
    """The build's validation result: int8 vectors within MIN_COSINE of fp32 on fixed texts."""
    meta = json.loads(xml.with_suffix(".json").read_text(encoding="utf-8"))
    return float(meta.get("min_cosine_to_fp32", 0.0)) >= MIN_COSINE


def _export_quantize(model_path: str, xml: Path) -> None:
    from tokenizers import Tokenizer

    onnx_path = xml.with_name("fp32.onnx")
    fast_encoder.export_fp32(model_path, onnx_path)
    tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
    tokenizer.enable_truncation(256)

    def feeds(text: str) -> dict[str, np.ndarray]:
        ids = np.asarray([tokenizer.encode(text).ids], dtype=np.int64)
        return {"input_ids": ids, "attention_mask": np.ones_like(ids), "token_type_ids": np.zeros_like(ids)}

    encoding.openvino_quantize(onnx_path, xml, [feeds(t) for t in calibration_texts()])


class OpenVinoEncoder:
    """Mean-pooled, L2-normalised sentence vectors from an OpenVINO model (same tokenizer, pooling); `precision`
    is the inference precision hint (None: the plugin's default, "bf16" for openvino-bf16)."""

    def __init__(
        self,
        xml: Path,
        model_path: str,
        max_seq_length: int,
        threads: int | None = None,
        precision: str | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        threads = threads or max(1, len(os.sched_getaffinity(0)))
        self.compiled, self.request, self.inputs = encoding.openvino_compile(xml, threads, precision)
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        self.tokenizer.enable_padding()
        self.dim = int(self.compiled.outputs[0].get_partial_shape()[-1].get_length())

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return encoding.encode_by_length(
            texts, self.tokenizer, self.dim, batch_size, lambda feeds: self.request.infer(feeds)[0], self.inputs
        )
