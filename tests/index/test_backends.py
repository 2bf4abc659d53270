"""The int8 ONNX fast path: built locally, cached atomically, close to fp32, recorded in manifests."""

from __future__ import annotations

import json

import numpy as np
import pytest
from paperkg.errors import ModelMismatch
from paperkg.index import fast_encoder
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import EncoderSpec, default_model_path, load_encoder, model_fingerprint

# building the int8 model takes 30 s to minutes on a shared 2-core machine: not part of the default run
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not fast_encoder.available(), reason="fast extra (onnx, onnxruntime) not installed"),
]

TEXTS = [
    "Dense passage retrieval for open-domain question answering with dual encoders.",
    "Measurement of the top quark mass in proton-proton collisions at 13 TeV.",
    "A survey of knowledge graph embeddings for link prediction.",
]


@pytest.fixture(scope="module")
def int8_spec(tmp_path_factory):
    model = default_model_path()
    with pytest.MonkeyPatch.context() as mp:  # keep the user-level cache out of the test
        mp.setenv("PAPERKG_ENCODER_CACHE", str(tmp_path_factory.mktemp("shared")))
        yield EncoderSpec(model, "cpu", 256, "onnx-int8", str(tmp_path_factory.mktemp("models")))


def test_build_is_cached_validated_and_atomic(int8_spec) -> None:
    model, base = int8_spec.model_path, model_fingerprint(int8_spec.model_path)
    path = fast_encoder.ensure_model(model, base, int8_spec.cache_dir)
    meta = json.loads(path.with_suffix(".json").read_text())
    assert meta["base_fingerprint"] == base and meta["variant"] == "onnx-int8"
    assert meta["min_cosine_to_fp32"] >= fast_encoder.MIN_COSINE and fast_encoder.is_valid(path)
    leftovers = [p.name for p in path.parent.iterdir() if p.name.startswith(".build-")]
    assert leftovers == []
    mtime = path.stat().st_mtime_ns
    assert fast_encoder.ensure_model(model, base, int8_spec.cache_dir) == path
    assert path.stat().st_mtime_ns == mtime  # second call reuses the cached artifact
    shared = fast_encoder.shared_cache() / path.name
    assert shared.is_file()  # another data home copies this one instead of rebuilding
    other = fast_encoder.ensure_model(model, base, path.parent.parent / "other-home")
    assert other.read_bytes() == path.read_bytes()


def test_int8_vectors_match_fp32(int8_spec) -> None:
    fast = load_encoder(int8_spec).encode(TEXTS, batch_size=2)
    ref = load_encoder(EncoderSpec(int8_spec.model_path, "cpu", 256)).encode(TEXTS)
    assert fast.shape == ref.shape and fast.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(fast, axis=1), 1.0, rtol=1e-5)
    assert (fast * ref).sum(axis=1).min() > 0.97
    # the order of the output rows follows the input, whatever the length-sorted batching did
    assert np.argmax(fast @ ref.T, axis=1).tolist() == [0, 1, 2]


def test_fp32_index_refuses_int8_queries(int8_spec, tmp_path) -> None:
    fp32 = EncoderSpec(int8_spec.model_path, "cpu", 256)
    index = DenseIndex.empty(384, fp32.describe())
    index.add([1], np.ones((1, 384), dtype=np.float32) / np.sqrt(384))
    index.save(tmp_path)
    DenseIndex.load(tmp_path, fp32.describe())
    with pytest.raises(ModelMismatch):
        DenseIndex.load(tmp_path, int8_spec.describe())
