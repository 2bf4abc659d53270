"""Fast CPU embedding: the packaged model exported to ONNX locally, attention fused, weights int8 per channel.

Measured on this 2-core AVX2 machine (no VNNI), side by side with naive `SentenceTransformer.encode` (see
docs/benchmarks.md): dynamic int8 per *tensor* is fast but poor on AVX2 (cosine 0.94 to fp32, the u8s8 kernels
saturate without VNNI); per *channel* keeps cosine 0.993 at the same speed, so that is the variant built here.
Static (calibrated) int8 of the fused graph builds only after symbolic shape inference and then loses quality
(cosine 0.945 to fp32 on AVX2) at no gain in speed; session options (spinning, dynamic work split, denormals),
batch sizes 16-64, token-budget batches and tanh GELU were all within noise (docs/benchmarks.md, AVX2 levers),
and fp32 ONNX alone is only the fused-attention gain.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
from paperkg import artifacts, encoding, model_cache
from paperkg.encoding import TextEncoder

VARIANT = "onnx-int8"  # fused BERT graph + dynamic int8 MatMul weights, per channel
_RECIPE = "v1:opset17:fused-bert:dynamic-int8:per-channel:qint8"  # changes here change the fingerprint
MIN_COSINE = 0.97  # a built model whose vectors stray further from fp32 than this is not used
_VALIDATION_TEXTS = [
    "Attention is all you need: a network architecture based solely on attention mechanisms.",
    "We measure the cosmic microwave background anisotropy with a balloon-borne bolometer array.",
    "Graph neural networks for link prediction in citation graphs of scientific literature.",
    "A randomized controlled trial of vitamin D supplementation and fracture risk in older adults.",
    "Quantum error correction with surface codes below the threshold on superconducting qubits.",
    "BM25 and dense retrieval fused by reciprocal rank fusion improve recall on scientific claims.",
]


# One build per machine: data homes copy the artifact from this user-level cache (checked by sha256) instead
# of re-exporting (30 s to minutes of CPU), which also keeps test suites with many temporary homes fast.
def shared_cache() -> Path:
    """The setting `cache_dir`'s `encoders/` (default ~/.cache/paperkg/encoders; $PAPERKG_ENCODER_CACHE wins)."""
    return model_cache.folder("encoders", "PAPERKG_ENCODER_CACHE")


def cpu_threads() -> int:
    """Threads for one inference session: OMP_NUM_THREADS when set (one API worker per core sets 1, so the
    workers' thread pools do not compete), else every core this process may run on."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    return max(1, len(os.sched_getaffinity(0)))


def available() -> bool:
    """True when the optional fast-path packages (onnx, onnxruntime) are installed."""
    return encoding.installed("onnx", "onnxruntime")


def fingerprint(base_fingerprint: str) -> str:
    """Fingerprint of the int8 model: differs from the fp32 one, so an index says which model built it."""
    return hashlib.sha256(f"{base_fingerprint}:{_RECIPE}".encode()).hexdigest()[:16]


def artifact_path(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    return Path(cache_dir) / f"{Path(model_path).name}-{fingerprint(base_fingerprint)}-{VARIANT}.onnx"


def ensure_model(model_path: str, base_fingerprint: str, cache_dir: Path) -> Path:
    """The quantized model under cache_dir, built (atomically) from the local weights when missing."""
    target = artifact_path(model_path, base_fingerprint, cache_dir)
    if target.is_file() and target.with_suffix(".json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shared = shared_cache() / target.name
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".build-") as tmp:
        work = Path(tmp)
        if shared.is_file() and shared.with_suffix(".json").is_file() and _matches(shared):
            shutil.copyfile(shared, work / "model.onnx")
            shutil.copyfile(shared.with_suffix(".json"), work / "meta.json")
        else:
            _export_quantize(model_path, work)
            cosine = validate(OnnxEncoder(work / "model.onnx", model_path, 256, threads=1), model_path, 256)
            meta = {
                "variant": VARIANT,
                "recipe": _RECIPE,
                "base_fingerprint": base_fingerprint,
                "sha256": file_sha256(work / "model.onnx"),
                "min_cosine_to_fp32": round(cosine, 5),
            }
            (work / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
        os.replace(work / "meta.json", target.with_suffix(".json"))
        os.replace(work / "model.onnx", target)  # the model last: its presence means the pair is complete
    if target.parent.resolve() != shared.parent.resolve() and not shared.is_file():
        try:
            ensure_copy(target, shared)
        except OSError:
            pass  # a read-only home directory only costs later homes a rebuild
    if shared.is_file():
        model_cache.touch(shared)
        model_cache.prune(shared, f"{Path(model_path).name}-*-{VARIANT}.*")  # builds of older recipes, once unused
    return target


def _matches(path: Path) -> bool:
    meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    return meta.get("sha256") == file_sha256(path)


def ensure_copy(src: Path, dst: Path, suffixes: tuple[str, ...] = (".json", ".onnx")) -> None:
    """Copy a model's files atomically, one per suffix in order: the meta file first, the model file last
    (its presence means the set is complete)."""
    for suffix in suffixes:
        with artifacts.atomic_path(dst.with_suffix(suffix)) as tmp:
            shutil.copyfile(src.with_suffix(suffix), tmp)


def is_valid(onnx_path: Path) -> bool:
    """The build's validation result: fast vectors within MIN_COSINE of fp32 on the fixed texts."""
    meta = json.loads(onnx_path.with_suffix(".json").read_text(encoding="utf-8"))
    return float(meta.get("min_cosine_to_fp32", 0.0)) >= MIN_COSINE


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export_fp32(model_path: str, onnx_path: Path) -> int:
    """The packaged transformer as an fp32 ONNX graph (last hidden state, dynamic batch and length); heads."""
    from transformers import AutoConfig, AutoModel

    config = AutoConfig.from_pretrained(model_path, local_files_only=True)
    model = AutoModel.from_pretrained(model_path, local_files_only=True, attn_implementation="eager").eval()
    encoding.export_hidden_states(model, onnx_path)
    return int(config.num_attention_heads)


def _export_quantize(model_path: str, work: Path) -> None:
    from transformers import AutoConfig

    heads = export_fp32(model_path, work / "fp32.onnx")
    hidden = int(AutoConfig.from_pretrained(model_path, local_files_only=True).hidden_size)
    encoding.fuse_and_quantize(work / "fp32.onnx", work / "model.onnx", heads=heads, hidden=hidden)


class OnnxEncoder:
    """Mean-pooled, L2-normalised sentence vectors from the int8 ONNX model (same tokenizer and pooling)."""

    def __init__(self, onnx_path: Path, model_path: str, max_seq_length: int, threads: int | None = None) -> None:
        from tokenizers import Tokenizer

        self.session = encoding.onnx_session(onnx_path, threads or cpu_threads())
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.tokenizer = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_seq_length)
        self.tokenizer.enable_padding()
        self.dim = int(self.session.get_outputs()[0].shape[-1])

    def encode(self, texts: list[str], *, batch_size: int = 64) -> np.ndarray:
        return encoding.encode_by_length(
            texts, self.tokenizer, self.dim, batch_size, lambda feeds: self.session.run(None, feeds)[0], self.inputs
        )


def validate(fast: TextEncoder, model_path: str, max_seq_length: int) -> float:
    """Lowest cosine between fast and fp32 torch vectors on fixed texts (the gate for using the fast path)."""
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(model_path, device="cpu", local_files_only=True)
    reference.max_seq_length = max_seq_length
    ref = reference.encode(_VALIDATION_TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    return float((fast.encode(_VALIDATION_TEXTS) * ref).sum(axis=1).min())
