"""Paper vectors for other stages (graph recommendations): lookup by paper key and nearest neighbours."""

from __future__ import annotations

import numpy as np
from paperkg.index.artifacts import dense_root
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import spec_from_settings
from paperkg.settings import Settings


class VectorStore:
    """Read-only view of the dense index. `load` raises IndexNotReady when no index has been built."""

    def __init__(self, dense: DenseIndex) -> None:
        self._dense = dense

    @classmethod
    def load(cls, settings: Settings) -> VectorStore:
        """A view of the process's one copy of the published dense index (the searcher's too)."""
        return cls(DenseIndex.shared(dense_root(settings), spec_from_settings(settings).describe))

    def vector(self, pk: int) -> np.ndarray | None:
        """L2-normalised float32 vector of a paper, or None when the paper is not indexed."""
        try:
            return self._dense.reconstruct([pk])[0]
        except KeyError:
            return None

    def search(self, vec: np.ndarray, k: int, exclude: set[int] | None = None) -> list[tuple[int, float]]:
        """(paper pk, cosine) of the k nearest papers, skipping `exclude`."""
        exclude = exclude or set()
        query = np.asarray(vec, dtype=np.float32).reshape(1, -1)
        hits = self._dense.search(query, k + len(exclude))[0]
        return [(pk, s) for pk, s in hits if pk not in exclude][:k]
