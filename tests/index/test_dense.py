from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from paperkg.errors import IndexNotReady, ModelMismatch
from paperkg.index import artifacts
from paperkg.index.dense import DenseIndex, choose_kind

ENC = {"model": "m", "model_fingerprint": "abc"}


def _vectors(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def test_stable_ids_survive_updates_and_deletions(tmp_path: Path) -> None:
    v = _vectors(300)
    idx = DenseIndex.empty(16, ENC)
    idx.add(list(range(1000, 1300)), v)
    assert idx.search(v[5:6], 1)[0][0][0] == 1005
    idx.remove([1005])
    assert all(pk != 1005 for pk, _ in idx.search(v[5:6], 5)[0])
    idx.add([1005], v[7:8])  # an updated paper keeps its id, with its new vector
    assert idx.search(v[7:8], 2)[0][0][0] in {1005, 1007}
    only = idx.search(v[5:6], 3, allowed={1001, 1002})[0]
    assert {pk for pk, _ in only} == {1001, 1002}
    idx.save(tmp_path)
    loaded = DenseIndex.load(tmp_path, ENC)
    assert loaded.count == 300 and sorted(loaded.all_ids().tolist()) == list(range(1000, 1300))


def _clustered(n: int, dim: int, seed: int) -> np.ndarray:
    """Text embeddings are clustered by topic; uniform random vectors are not a realistic test of IVF."""
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(40, dim))
    v = centers[rng.integers(0, 40, size=n)] + 0.35 * rng.normal(size=(n, dim))
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def test_switches_to_ivf_above_threshold_with_good_recall() -> None:
    v = _clustered(3000, dim=32, seed=1)
    idx = DenseIndex.empty(32, ENC)
    idx.add(list(range(3000)), v)
    idx.rebalance(exact_max=1000)
    assert idx.kind == "ivf-sq8" == choose_kind(3000, 1000)
    exact = DenseIndex.empty(32, ENC)
    exact.add(list(range(3000)), v)
    queries = _clustered(3050, dim=32, seed=1)[3000:]
    got = idx.search(queries, 10)
    want = exact.search(queries, 10)
    recall = np.mean([len({p for p, _ in g} & {p for p, _ in w}) / 10 for g, w in zip(got, want, strict=True)])
    assert recall > 0.9
    idx.remove([0, 1, 2])
    assert idx.count == 2997
    assert idx.reconstruct([5]).shape == (1, 32)


def test_manifest_refuses_other_model_and_missing_index(tmp_path: Path) -> None:
    with pytest.raises(IndexNotReady):
        DenseIndex.load(tmp_path / "none", ENC)
    idx = DenseIndex.empty(16, ENC)
    idx.add([1], _vectors(1))
    folder = idx.save(tmp_path)
    manifest = artifacts.read_manifest(folder)
    assert manifest["count"] == 1 and manifest["index_type"] == "flat" and manifest["dim"] == 16
    with pytest.raises(ModelMismatch):
        DenseIndex.load(tmp_path, {"model": "other", "model_fingerprint": "zzz"})


def test_publish_is_atomic_and_prunes_old_versions(tmp_path: Path) -> None:
    idx = DenseIndex.empty(16, ENC)
    folders = [idx.save(tmp_path) for _ in range(4)]
    assert artifacts.current(tmp_path) == folders[-1]
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) <= artifacts.KEEP_VERSIONS
    unfinished = artifacts.new_version(tmp_path)  # a killed writer leaves an unpublished folder
    assert artifacts.current(tmp_path) == folders[-1]
    idx.save(tmp_path)
    assert not unfinished.exists()


def test_near_copies_found_with_few_lists_probed() -> None:
    """Duplicate detection probes NEIGHBOUR_NPROBE lists, not the index's own: near copies (cosine >= 0.95)
    share their list, so the cheap search finds every pair the full one finds; `nprobe` is per call."""
    from paperkg.dedupe import COSINE_SAME, NEIGHBOUR_NPROBE, neighbour_pairs

    rng = np.random.default_rng(3)
    v = _clustered(4000, dim=32, seed=2)
    parents = rng.choice(4000, size=40, replace=False)
    noise = rng.normal(size=(40, 32))
    noise -= (noise * v[parents]).sum(axis=1, keepdims=True) * v[parents]
    noise /= np.linalg.norm(noise, axis=1, keepdims=True)
    cos = rng.uniform(0.96, 0.995, size=(40, 1))
    copies = (cos * v[parents] + np.sqrt(1 - cos**2) * noise).astype(np.float32)
    idx = DenseIndex.empty(32, ENC)
    idx.add(list(range(4040)), np.concatenate([v, copies]))
    idx.rebalance(exact_max=1000)
    assert idx.kind == "ivf-sq8" and idx.index.nprobe > NEIGHBOUR_NPROBE

    cheap = neighbour_pairs(idx, nprobe=NEIGHBOUR_NPROBE)
    full = neighbour_pairs(idx)
    planted = {(int(p), 4000 + i) for i, p in enumerate(parents)}
    assert planted <= set(cheap) and set(cheap) == set(full)
    assert all(score >= COSINE_SAME for score in cheap.values())
    assert idx.index.nprobe > NEIGHBOUR_NPROBE  # the index's own setting is untouched
    queries = _clustered(4050, dim=32, seed=2)[4000:]
    assert idx.search(queries, 10, nprobe=1) != idx.search(queries, 10)  # the per-call nprobe takes effect
