"""OpenVINO static int8 encoder for the tagger: the fine-tuned MiniLM exported locally, quantized by NNCF.

The embedding's recipe (`paperkg.index.openvino_encoder`, shared steps in `paperkg.encoding`) applied to the
tagger's fine-tuned encoder. Static int8 quantizes activations too, so it is calibrated on real inputs: the
encoder windows of a fixed random subset of the bundled SciERC *train* documents (never dev: dev is the host
gate, gate.py). It pays on hosts with hardware int8 dot products (VNNI/AMX); on AVX2 OpenVINO's int8 GEMM is
no faster than its fp32 one (scripts/bench_tagger.py), so `auto` tries it only on VNNI/AMX hosts
(paperkg.index.backend_choice). Built once per weights and recipe, cached beside the onnx-int8 build (.xml,
.bin and a .json meta; the .xml moved in last, its presence means complete).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from paperkg import encoding, model_cache
from paperkg.graph.tagger import fast_encoder
from paperkg.graph.tagger.data import default_data_dir, read_scierc
from paperkg.graph.tagger.model import SpanRelModel, featurize

log = logging.getLogger(__name__)

VARIANT = "openvino-int8"
CALIBRATION_DOCS = 100  # SciERC train documents (~2 encoder windows each at 512 padded pieces per call)
CALIBRATION_SEED = 0
CALIBRATION_TOKENS = 512  # padded pieces per calibration batch, as inference.MAX_TOKENS groups them
# the FFN down-projections stay fp32, as in the onnx-int8 recipe: their input (the GELU output) has the outliers
# that 8-bit activations clip
KEEP_FP32 = (r".*/layer\.\d+/output/dense/MatMul.*",)
_RECIPE = f"v2:opset17:nncf-static-int8:transformer:ffn-out-fp32:scierc-train:{CALIBRATION_DOCS}:seed{CALIBRATION_SEED}"
# openvino-bf16: the fp32 encoder as an IR, compiled with bf16 inference precision (AMX hosts; no calibration)
BF16_VARIANT = "openvino-bf16"
_BF16_RECIPE = "v1:opset17:ir-fp16-weights:bf16-inference"
_RECIPES = {VARIANT: _RECIPE, BF16_VARIANT: _BF16_RECIPE}
PRECISIONS = {BF16_VARIANT: "bf16"}  # inference precision hint per variant (int8: the plugin's default)
MIN_COSINE = fast_encoder.MIN_COSINE
_SUFFIXES = (".json", ".bin", ".xml")  # moved in this order: the .xml last


def available() -> bool:
    """True when OpenVINO, NNCF and onnx (the `openvino` extra) are installed."""
    return encoding.openvino_installed()


def artifact_path(config: dict, directory: Path | None = None, variant: str = VARIANT) -> Path:
    """Keyed like the onnx-int8 build: artifact version (weights' sha256), base checksum, recipe."""
    key = f"{config.get('version')}:{config.get('base_sha256')}:{_RECIPES[variant]}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (directory or fast_encoder.cache_dir()) / f"tagger-encoder-{digest}-{variant}.xml"


def calibration_feeds(model: SpanRelModel, tokenizer, path: Path | None = None) -> list[dict[str, np.ndarray]]:
    """The encoder inputs (ids, mask, token types) the tagger feeds for a fixed subset of SciERC train documents.

    Windows and length-sorted groups come from the model's own `encode`, so calibration sees the shapes and
    padding inference produces."""
    path = path or default_data_dir() / "train.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: SciERC train documents for the OpenVINO int8 calibration are missing")
    docs = read_scierc(path)
    picked = sorted(np.random.default_rng(CALIBRATION_SEED).permutation(len(docs))[:CALIBRATION_DOCS])
    feats = featurize(tokenizer, [[s.words for s in docs[i].sentences] for i in picked])
    feeds: list[dict[str, np.ndarray]] = []
    hidden = model.encoder.config.hidden_size

    def record(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        ids_np = ids.numpy().astype(np.int64)
        feeds.append({"input_ids": ids_np, "attention_mask": mask.numpy().astype(np.int64)})
        feeds[-1]["token_type_ids"] = np.zeros_like(ids_np)
        return torch.zeros(*ids.shape, hidden)  # only the inputs are wanted

    with torch.inference_mode():
        model.encode(feats, run=record, max_tokens=CALIBRATION_TOKENS)
    return feeds


def ensure_model(model: SpanRelModel, tokenizer, config: dict, directory: Path | None = None) -> Path:
    """The int8 IR for this artifact, built (atomically) from the loaded fp32 encoder when missing."""

    def write_ir(onnx_path: Path, work: Path) -> None:
        feeds = calibration_feeds(model, tokenizer)
        encoding.openvino_quantize(onnx_path, work, feeds, keep_fp32=KEEP_FP32)

    return _ensure(
        model, tokenizer, config, directory, VARIANT, write_ir, "building the OpenVINO int8 encoder (~1 min)"
    )


def ensure_bf16_model(model: SpanRelModel, tokenizer, config: dict, directory: Path | None = None) -> Path:
    """The fp32 IR run in bf16 (openvino-bf16) for this artifact, exported (atomically) when missing."""
    return _ensure(
        model, tokenizer, config, directory, BF16_VARIANT, encoding.openvino_convert, "exporting the bf16 encoder"
    )


def _ensure(
    model: SpanRelModel,
    tokenizer,
    config: dict,
    directory: Path | None,
    variant: str,
    write_ir: Callable[[Path, Path], None],
    doing: str,
) -> Path:
    """The IR of `variant` for this artifact: present (touched), else the fp32 encoder exported to ONNX, turned
    into an IR by `write_ir(onnx_path, xml)`, checked against fp32 and moved in (the .xml last)."""
    target = artifact_path(config, directory, variant)
    if all(target.with_suffix(s).is_file() for s in _SUFFIXES):
        model_cache.touch(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("tagger: %s in %s (once per weights)", doing, target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp) / "model.xml"
        fast_encoder.export_fp32(model.encoder, work.with_name("fp32.onnx"))
        write_ir(work.with_name("fp32.onnx"), work)
        precision = PRECISIONS.get(variant)
        cosine = fast_encoder.token_cosine(OpenVinoEncoder(work, 1, precision), model.encoder, tokenizer)
        meta = {
            "variant": variant,
            "recipe": _RECIPES[variant],
            "tagger_version": config.get("version"),
            "min_token_cosine_to_fp32": round(cosine, 5),
        }
        work.with_suffix(".json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        for suffix in _SUFFIXES:
            os.replace(work.with_suffix(suffix), target.with_suffix(suffix))
    model_cache.prune(target, "tagger-encoder-*")  # earlier weights' builds, once unused
    return target


def is_valid(xml: Path) -> bool:
    """The build's own check: int8 wordpiece vectors within MIN_COSINE of fp32 on fixed texts."""
    meta = json.loads(xml.with_suffix(".json").read_text(encoding="utf-8"))
    return float(meta.get("min_token_cosine_to_fp32", 0.0)) >= MIN_COSINE


class OpenVinoEncoder:
    """Callable like the torch encoder's forward for the tagger: (ids, mask) tensors -> last hidden state."""

    def __init__(self, xml: Path, threads: int | None = None, precision: str | None = None) -> None:
        threads = threads or torch.get_num_threads()
        self.compiled, self.request, self.inputs = encoding.openvino_compile(xml, threads, precision)

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        feeds = {
            "input_ids": ids.numpy().astype(np.int64, copy=False),
            "attention_mask": mask.numpy().astype(np.int64, copy=False),
            "token_type_ids": np.zeros(tuple(ids.shape), dtype=np.int64),
        }
        out = self.request.infer({k: v for k, v in feeds.items() if k in self.inputs})[0]
        return torch.from_numpy(np.array(out))  # a copy: the request reuses its output buffer
