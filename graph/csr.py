"""Row access into the graph's CSR adjacency matrices (one place for the `indptr[i]:indptr[i + 1]` slice)."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def row_cols(m: sparse.csr_matrix | sparse.csr_array, i: int) -> np.ndarray:
    """Column indices of row `i`'s stored entries (a view, in stored order)."""
    return m.indices[m.indptr[i] : m.indptr[i + 1]]


def row_items(m: sparse.csr_matrix | sparse.csr_array, i: int) -> tuple[np.ndarray, np.ndarray]:
    """(column indices, values) of row `i`'s stored entries (views, in stored order)."""
    start, end = m.indptr[i], m.indptr[i + 1]
    return m.indices[start:end], m.data[start:end]
