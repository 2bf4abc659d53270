"""A bulk dense build goes IVF as soon as it crosses the threshold, lists sized for the final count."""

from __future__ import annotations

import numpy as np
from paperkg.index.dense import DenseIndex, ivf_nlist


def test_bulk_build_switches_early_and_keeps_every_vector() -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((4000, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    dense = DenseIndex.empty(32, {"model_fingerprint": "x"})
    kinds = []
    for start in range(0, 4000, 500):
        dense.add(list(range(start, start + 500)), vectors[start : start + 500])
        dense.rebalance(1000, expected=4000 - start - 500 + dense.count)
        kinds.append(dense.kind)
    assert kinds[:2] == ["flat", "flat"] and kinds[2] == "ivf-sq8"  # switched at 1,500, not at the end
    assert dense.index.nlist == ivf_nlist(4000)
    assert sorted(dense.all_ids().tolist()) == list(range(4000))
    hits = dense.search(vectors[:20], 1)
    assert sum(h[0][0] == i for i, h in enumerate(hits)) >= 18
