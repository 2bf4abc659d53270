"""OpenVINO bf16 on AMX hosts: the packaged model as an fp32 OpenVINO IR, run with bf16 inference precision.

No quantization and no calibration: the IR keeps fp32 weights and OpenVINO's CPU plugin runs the MatMuls on AMX
bf16 tiles. Measured on a 2-core Intel Xeon with AMX (`amx_bf16`), 200 SciFact abstracts, methods interleaved
in one run (docs/benchmarks.md, AMX table): 3.77x naive `SentenceTransformer.encode` at cosine 1.0000 to fp32
(mean and min to 4 places), against openvino-int8 3.97x at 0.9974 / 0.9946 and torch bf16 3.19x; the same IR at
fp32 precision is 1.30x. On hosts without bf16 hardware the plugin runs the IR in fp32 (~1.3x): `auto` picks
this backend only where `amx_bf16` is reported (index/backend_choice.py). Built once per model and recipe,
checked against fp32 like the int8 builds (index/quality_gate.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from paperkg import encoding
from paperkg.index import fast_encoder, openvino_encoder
from paperkg.index.openvino_encoder import OpenVinoEncoder, is_valid

VARIANT = "openvino-bf16"
PRECISION = "bf16"
_RECIPE = "v1:opset17:ir-fp16-weights:bf16-inference"  # a change here changes the fingerprint

__all__ = ["VARIANT", "available", "ensure_model", "fingerprint", "is_valid", "load"]


def available() -> bool:
    """True when OpenVINO (inference) and onnx (export) are installed (NNCF is not needed)."""
    return encoding.installed("openvino", "onnx")


def fingerprint(base_fingerprint: str) -> str:
    """Differs from the fp32 and int8 fingerprints: an index says which model built its vectors."""
    return hashlib.sha256(f"{base_fingerprint}:{_RECIPE}".encode()).hexdigest()[:16]


def artifact_path(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"{Path(model_path).name}-{fingerprint(base_fingerprint)}-{VARIANT}.xml"


def load(xml: Path, model_path: str, max_seq_length: int) -> OpenVinoEncoder:
    """The IR compiled with bf16 inference precision."""
    return OpenVinoEncoder(xml, model_path, max_seq_length, precision=PRECISION)


def ensure_model(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    """The fp32 IR (.xml + .bin + .json) under cache_dir, exported and checked when missing."""

    def build(work: Path) -> dict[str, object]:
        onnx_path = work.with_name("fp32.onnx")
        fast_encoder.export_fp32(model_path, onnx_path)
        encoding.openvino_convert(onnx_path, work)
        cosine = fast_encoder.validate(load(work, model_path, 256), model_path, 256)
        meta = {"variant": VARIANT, "recipe": _RECIPE, "base_fingerprint": base_fingerprint}
        return {**meta, **openvino_encoder.cosine_meta(cosine)}

    return openvino_encoder.ensure_ir(artifact_path(model_path, base_fingerprint, cache_dir), build)
