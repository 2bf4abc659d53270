"""The FAISS vector index: stable paper ids, exact search for small collections, IVF above a threshold."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from paperkg.errors import ConfigError, IndexNotReady, ModelMismatch
from paperkg.index import artifacts

# Exact inner-product search is perfect but scans every vector: ~2 ms per query at 20k papers, ~20 ms at 100k,
# which caps a 2-core server far below its HTTP ceiling. Above `exact_index_max` (settings, 20k) an inverted
# file with 8-bit scalar-quantised vectors answers in 1-5 ms up to millions, keeps memory at ~1/4 of float32
# (384 B/vector for MiniLM: 2.9M papers ~ 1.1 GB) and still supports add/remove by id, which HNSW does not.
IVF_NPROBE = 128  # floor; see ivf_nprobe


def ivf_nlist(n: int) -> int:
    return int(min(65536, max(64, 4 * math.sqrt(max(n, 1)))))


def ivf_nprobe(nlist: int) -> int:
    """Lists probed per query: at least 128, 1/32 of them at very large nlist.

    Recall@10 against exact search follows the number of lists probed more than the fraction
    (scripts/bench_faiss.py, docs/benchmarks.md): at 1M vectors (nlist 4,096) nprobe 64 / 96 / 128 gave
    0.917 / 0.946 / 0.959; at 100k (nlist 1,264) 0.925 / 0.954 and 39 (the old nlist/32 rule) only 0.870."""
    return max(IVF_NPROBE, nlist // 32)


def make_index(kind: str, dim: int, n_hint: int = 0) -> faiss.Index:
    if kind == "flat":
        return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
    if kind == "ivf-sq8":
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFScalarQuantizer(
            quantizer, dim, ivf_nlist(n_hint), faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
        )
        index.nprobe = ivf_nprobe(index.nlist)
        return index
    raise ConfigError(f"unknown index kind {kind!r} (expected flat or ivf-sq8)")


def choose_kind(n: int, exact_max: int) -> str:
    return "flat" if n <= exact_max else "ivf-sq8"


def check_model(manifest: dict[str, Any], encoder: dict[str, Any] | None, what: str = "dense") -> None:
    """Raise ModelMismatch when an index was built with another model than the configured `encoder`."""
    if encoder is not None and manifest.get("model_fingerprint") != encoder.get("model_fingerprint"):
        raise ModelMismatch(
            f"the {what} index was built with model {manifest.get('model')!r} "
            f"({manifest.get('model_fingerprint')}), but {encoder.get('model')!r} "
            f"({encoder.get('model_fingerprint')}) is configured; run `paperkg reindex`"
        )


@dataclass
class DenseIndex:
    index: faiss.Index
    manifest: dict[str, Any]

    @property
    def kind(self) -> str:
        return str(self.manifest["index_type"])

    @property
    def count(self) -> int:
        return int(self.index.ntotal)

    @classmethod
    def empty(cls, dim: int, encoder: dict[str, Any]) -> DenseIndex:
        return cls(make_index("flat", dim), {"index_type": "flat", "dim": dim, "normalized": True, **encoder})

    @classmethod
    def load(cls, root: Path, encoder: dict[str, Any] | None = None) -> DenseIndex:
        """A private copy of the published version, for writers that change it (readers use `shared`)."""
        folder = artifacts.current(root)
        if folder is None:
            raise IndexNotReady(f"no dense index under {root}; run `paperkg ingest` or `paperkg reindex`")
        return cls.from_folder(folder, encoder)

    @classmethod
    def shared(cls, root: Path, encoder: Callable[[], dict[str, Any]] | None = None) -> DenseIndex:
        """The published version, loaded once per process and version and shared by every reader (search,
        recommendations, vectors, dedupe): read-only. `encoder` (the configured model's description) is
        called only when a version is loaded: describing the model reads its files."""
        missing = f"no dense index under {root}; run `paperkg ingest` or `paperkg reindex`"
        return artifacts.shared(root, lambda folder: cls.from_folder(folder, encoder() if encoder else None), missing)

    @classmethod
    def from_folder(cls, folder: Path, encoder: dict[str, Any] | None = None, *, what: str = "dense") -> DenseIndex:
        """Read one published version; refuse it when it was built with another model than `encoder`."""
        manifest = artifacts.read_manifest(folder)
        check_model(manifest, encoder, what)
        index = faiss.read_index(str(folder / "vectors.faiss"))
        if isinstance(index, faiss.IndexIVF):
            index.nprobe = int(manifest.get("nprobe", IVF_NPROBE))
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        return cls(index, manifest)

    def save(self, root: Path) -> Path:
        folder = artifacts.new_version(root)
        artifacts.write_faiss(self.index, folder / "vectors.faiss")
        manifest = {**self.manifest, "count": self.count}
        if isinstance(self.index, faiss.IndexIVF):
            manifest.update(nlist=int(self.index.nlist), nprobe=int(self.index.nprobe))
        artifacts.publish(root, folder, manifest)
        return folder

    def remove(self, ids: list[int]) -> None:
        if ids and self.count:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def add(self, ids: list[int], vectors: np.ndarray) -> None:
        if not ids:
            return
        self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), np.asarray(ids, dtype=np.int64))

    def all_ids(self) -> np.ndarray:
        if isinstance(self.index, faiss.IndexIDMap2):
            return faiss.vector_to_array(self.index.id_map).astype(np.int64)
        invlists = self.index.invlists
        out = [
            faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy()
            for i in range(self.index.nlist)
            if invlists.list_size(i)
        ]
        return np.concatenate(out).astype(np.int64) if out else np.zeros(0, dtype=np.int64)

    def reconstruct(self, ids: list[int]) -> np.ndarray:
        """Stored vectors of the given ids (approximate for IVF-SQ8); missing ids raise KeyError."""
        out = np.zeros((len(ids), int(self.manifest["dim"])), dtype=np.float32)
        for row, pk in enumerate(ids):
            try:
                out[row] = self.index.reconstruct(int(pk))
            except RuntimeError as exc:
                raise KeyError(pk) from exc
        return out

    def rebalance(self, exact_max: int, expected: int | None = None) -> None:
        """Switch between exact and IVF when the collection crosses the threshold (retrains on all vectors).

        `expected` (the final size of a bulk build in progress) sizes the IVF lists for the end state, so a
        bulk build can switch as soon as it crosses the threshold instead of holding every float32 vector
        first (2.9M papers: 4.4 GB flat, 1.1 GB IVF-SQ8)."""
        want = choose_kind(self.count, exact_max)
        if want == self.kind:
            return
        ids = self.all_ids()
        vectors = self.reconstruct(ids.tolist())
        index = make_index(want, vectors.shape[1], max(len(ids), expected or 0))
        if want != "flat":
            rng = np.random.default_rng(0)
            sample = vectors[rng.choice(len(vectors), size=min(len(vectors), 256 * index.nlist), replace=False)]
            index.train(sample)
            index.set_direct_map_type(faiss.DirectMap.Hashtable)
        self.index = index
        self.manifest["index_type"] = want
        self.add(ids.tolist(), vectors)

    def search(
        self, queries: np.ndarray, k: int, allowed: set[int] | None = None, *, nprobe: int | None = None
    ) -> list[list[tuple[int, float]]]:
        """Top-k (paper pk, cosine) per query, optionally restricted to allowed pks. `nprobe` overrides the
        lists probed by an IVF index for this call (near-duplicate search needs far fewer than ranking)."""
        if self.count == 0 or k <= 0:
            return [[] for _ in range(len(queries))]
        params = None
        if nprobe is not None and isinstance(self.index, faiss.IndexIVF):
            params = faiss.SearchParametersIVF(nprobe=int(nprobe))
        if allowed is not None:
            if not allowed:
                return [[] for _ in range(len(queries))]
            selector = faiss.IDSelectorBatch(np.fromiter(allowed, dtype=np.int64, count=len(allowed)))
            if isinstance(self.index, faiss.IndexIVF):
                params = faiss.SearchParametersIVF(sel=selector, nprobe=int(nprobe or self.index.nprobe))
            else:
                params = faiss.SearchParameters(sel=selector)
        k = min(k, self.count)
        scores, ids = self.index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i >= 0]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]
