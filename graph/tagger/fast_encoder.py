"""Fast CPU encoder for the tagger: the fine-tuned MiniLM exported to ONNX locally, fused, int8 weights.

The recipe is the one `paperkg.index.fast_encoder` uses for the embedding model (per-*channel* dynamic int8:
per-tensor saturates the u8s8 kernels on AVX2 CPUs without VNNI), applied to the tagger's own fine-tuned
encoder (base weights + shipped deltas). The ONNX file is built from the local weights on first use (never
downloaded) and cached atomically under the setting `cache_dir`'s `tagger/` (default `~/.cache/paperkg/tagger`;
`$PAPERKG_TAGGER_CACHE` still wins), keyed by the
artifact's version (which includes the weights' sha256), the base checksum and the recipe. Missing
`onnx`/`onnxruntime` or a failed build leaves the caller on the exact fp32 torch path.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from paperkg import encoding, model_cache
from paperkg.graph.tagger.model import EncoderFn

log = logging.getLogger(__name__)

VARIANT = "onnx-int8"
# Which weights go int8 was measured on SciERC dev (shipped weights; fp32: entity F1 0.658, Rel+ 0.274):
# every op (embeddings too) 0.647 / 0.261; MatMul+Attention 0.648 / 0.261; the same with reduced range
# 0.652 / 0.257; MatMul+Attention with the FFN output projections kept fp32 0.654 / 0.277 (their input, the
# GELU output, has the outliers that 8-bit activations clip), so that is the recipe.
QUANTIZED_OPS = ("MatMul", "Attention")
_RECIPE = "v2:opset17:fused-bert:dynamic-int8:per-channel:qint8:matmul+attention:ffn-out-fp32"  # cache key
MIN_COSINE = 0.97  # a build whose token vectors stray further from fp32 than this on fixed texts is refused
_VALIDATION_TEXTS = [
    "We propose a novel SVM-based approach for text classification.",
    "The parser is evaluated on the Penn Treebank with labeled F1 and compared to a CRF baseline.",
    "Attention-based encoder-decoder models improve machine translation of low-resource languages.",
    "A randomized controlled trial of vitamin D supplementation and fracture risk in older adults.",
]


def cache_dir() -> Path:
    return model_cache.folder("tagger", "PAPERKG_TAGGER_CACHE")


def available() -> bool:
    """True when the optional fast-path packages (onnx, onnxruntime) are installed."""
    return encoding.installed("onnx", "onnxruntime")


def artifact_path(config: dict, directory: Path | None = None) -> Path:
    key = f"{config.get('version')}:{config.get('base_sha256')}:{_RECIPE}"
    digest = hashlib.sha256(key.encode()).hexdigest()[:16]
    return (directory or cache_dir()) / f"tagger-encoder-{digest}-{VARIANT}.onnx"


def ensure_model(encoder: torch.nn.Module, tokenizer, config: dict, directory: Path | None = None) -> Path:
    """The int8 ONNX file for this artifact, built (atomically) from the loaded fp32 encoder when missing."""
    target = artifact_path(config, directory)
    meta_path = target.with_suffix(".json")
    if target.is_file() and meta_path.is_file():
        model_cache.touch(target)
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    log.warning("tagger: building the int8 ONNX encoder in %s (once per weights, ~30 s)", target.parent)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp)
        _export_quantize(encoder, work)
        fast = OnnxEncoder(work / "model.onnx", threads=1)
        cosine = token_cosine(fast, encoder, tokenizer)
        meta = {
            "variant": VARIANT,
            "recipe": _RECIPE,
            "tagger_version": config.get("version"),
            "min_token_cosine_to_fp32": round(cosine, 5),
        }
        (work / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(work / "meta.json", meta_path)
        os.replace(work / "model.onnx", target)  # the model last: its presence means the pair is complete
    model_cache.prune(target, "tagger-encoder-*")  # earlier weights' builds (~70 MB each), once unused
    return target


def is_valid(onnx_path: Path) -> bool:
    meta = json.loads(onnx_path.with_suffix(".json").read_text(encoding="utf-8"))
    return float(meta.get("min_token_cosine_to_fp32", 0.0)) >= MIN_COSINE


def export_fp32(encoder: torch.nn.Module, onnx_path: Path) -> None:
    """The fine-tuned encoder as an fp32 ONNX graph (ids, mask, token types) -> last hidden state."""
    from transformers import BertModel

    # the fusion patterns expect eager attention; copy the fine-tuned weights into an eager twin
    config = encoder.config.__class__.from_dict(encoder.config.to_dict())
    config._attn_implementation = "eager"
    eager = BertModel(config, add_pooling_layer=False)
    eager.load_state_dict(encoder.state_dict())
    eager.eval()
    encoding.export_hidden_states(eager, onnx_path)


def _export_quantize(encoder: torch.nn.Module, work: Path) -> None:
    export_fp32(encoder, work / "fp32.onnx")
    cfg = encoder.config
    encoding.fuse_and_quantize(
        work / "fp32.onnx",
        work / "model.onnx",
        heads=cfg.num_attention_heads,
        hidden=cfg.hidden_size,
        op_types=QUANTIZED_OPS,
        keep_fp32=_is_ffn_output,
    )


def _is_ffn_output(node_name: str) -> bool:
    """The feed-forward down-projection MatMul of a layer (`.../layer.N/output/dense/MatMul`)."""
    return node_name.endswith("/output/dense/MatMul") and "/attention/" not in node_name


class OnnxEncoder:
    """Callable like the torch encoder's forward for the tagger: (ids, mask) tensors -> last hidden state."""

    def __init__(self, onnx_path: Path, threads: int | None = None) -> None:
        self.session = encoding.onnx_session(onnx_path, threads or torch.get_num_threads())
        self.inputs = {i.name for i in self.session.get_inputs()}

    def __call__(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        feeds = {
            "input_ids": ids.numpy().astype(np.int64, copy=False),
            "attention_mask": mask.numpy().astype(np.int64, copy=False),
            "token_type_ids": np.zeros(tuple(ids.shape), dtype=np.int64),
        }
        out = self.session.run(None, {k: v for k, v in feeds.items() if k in self.inputs})[0]
        return torch.from_numpy(out)


def token_cosine(fast: EncoderFn, encoder: torch.nn.Module, tokenizer) -> float:
    """Lowest cosine between fast and fp32 wordpiece vectors on fixed texts (the gate for using the build)."""
    enc = tokenizer(_VALIDATION_TEXTS, padding=True, return_tensors="pt")
    ids, mask = enc["input_ids"], enc["attention_mask"]
    with torch.inference_mode():
        ref = encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    got = fast(ids, mask)
    cos = torch.nn.functional.cosine_similarity(got, ref, dim=-1)[mask.bool()]
    return float(cos.min())
