"""The embedded graph's object and its files: sparse matrices saved as one published version, loaded once.

A build is one versioned folder (paperkg.artifacts): graph.npz, names.json and manifest.json, published by one
rename of CURRENT, so a crash while saving never mixes two builds. Homes saved before that hold the same three
files (the manifest as graph.json) directly in the graph folder: they are read until the next build publishes a
version and removes them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np
import scipy.sparse as sp
from paperkg import artifacts
from paperkg.settings import Settings

T = TypeVar("T")
RELATION_TYPES = ("USED-FOR", "FEATURE-OF", "HYPONYM-OF", "PART-OF", "COMPARE", "CONJUNCTION", "EVALUATE-FOR")


def graph_dir(settings: Settings) -> Path:
    return settings.home / "graph"


@dataclass
class KnowledgeGraph:
    """Papers, entities, authors and external (cited, uncatalogued) papers, edges as sparse matrices.

    Rows of `mentions`, `wrote` and `cites` are papers in `paper_pks` order; columns of `cites` are catalog
    papers followed by externals. `relations` is entities x entities; `rel_type[i]` and `rel_count[i]`
    describe the relation whose index + 1 is stored in `relations`.
    """

    paper_pks: np.ndarray
    paper_ids: list[str]
    entity_pks: np.ndarray
    entity_keys: list[str]
    entity_names: list[str]
    entity_types: list[str]
    authors: list[str]
    externals: list[str]
    mentions: sp.csr_matrix  # papers x entities: mention counts
    wrote: sp.csr_matrix  # papers x authors: 1
    cites: sp.csr_matrix  # papers x (papers + externals): 1
    relations: sp.csr_matrix  # entities x entities: index + 1 into rel_* (first relation of the pair)
    rel_head: np.ndarray
    rel_tail: np.ndarray
    rel_type: np.ndarray  # codes into RELATION_TYPES
    rel_count: np.ndarray
    manifest: dict = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """`compute()` once per graph object: derived matrices (transposes, walk transitions) for its readers."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    # --- lookups -----------------------------------------------------------------------------------------
    @property
    def n_papers(self) -> int:
        return len(self.paper_pks)

    def paper_row(self, pk: int) -> int | None:
        i = int(np.searchsorted(self.paper_pks, pk))
        return i if i < len(self.paper_pks) and int(self.paper_pks[i]) == pk else None

    def paper_row_by_id(self, paper_id: str) -> int | None:
        return self.memo("paper_by_id", lambda: {pid: i for i, pid in enumerate(self.paper_ids)}).get(paper_id)

    def entity_col(self, key: str) -> int | None:
        return self.memo("entity_by_key", lambda: {k: i for i, k in enumerate(self.entity_keys)}).get(key)

    @property
    def entity_df(self) -> np.ndarray:
        """Papers mentioning each entity."""
        return self.memo("df", lambda: np.bincount(self.mentions.indices, minlength=len(self.entity_keys)))

    @property
    def entity_idf(self) -> np.ndarray:
        return self.memo("idf", lambda: np.log1p(self.n_papers / np.maximum(self.entity_df, 1)).astype(np.float32))

    @property
    def cited_by(self) -> sp.csc_matrix:
        return self.memo("cited_by", self.cites.tocsc)

    @property
    def author_papers(self) -> sp.csc_matrix:
        return self.memo("author_papers", self.wrote.tocsc)

    @property
    def entity_papers(self) -> sp.csc_matrix:
        return self.memo("entity_papers", self.mentions.tocsc)

    def relation_type(self, code: int) -> str:
        return RELATION_TYPES[code]


# --- save / load ----------------------------------------------------------------------------------------
_MATRICES = ("mentions", "wrote", "cites", "relations")


LEGACY_FILES = ("graph.json", "names.json", "graph.npz")


def graph_folder(settings: Settings) -> Path | None:
    """The folder holding the graph's files (the published version, or an older home's flat layout)."""
    out = graph_dir(settings)
    folder = artifacts.current(out)
    if folder is not None:
        return folder
    return out if (out / LEGACY_FILES[0]).is_file() else None


def save_graph(kg: KnowledgeGraph, out: Path) -> Path:
    """Arrays in one .npz (no pickles), names in JSON, published as one new version of `out`."""
    arrays: dict[str, np.ndarray] = {
        "paper_pks": kg.paper_pks,
        "entity_pks": kg.entity_pks,
        "rel_head": kg.rel_head,
        "rel_tail": kg.rel_tail,
        "rel_type": kg.rel_type,
        "rel_count": kg.rel_count,
    }
    for name in _MATRICES:
        m: sp.csr_matrix = getattr(kg, name)
        arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"] = (
            m.data,
            m.indices,
            m.indptr,
        )
        arrays[f"{name}_shape"] = np.asarray(m.shape, dtype=np.int64)
    names = {
        "paper_ids": kg.paper_ids,
        "entity_keys": kg.entity_keys,
        "entity_names": kg.entity_names,
        "entity_types": kg.entity_types,
        "authors": kg.authors,
        "externals": kg.externals,
    }
    folder = artifacts.new_version(out)  # unpublished until its last file is written
    np.savez(folder / "graph.npz", **arrays)
    (folder / "names.json").write_text(json.dumps(names, ensure_ascii=False), encoding="utf-8")
    artifacts.publish(out, folder, kg.manifest)
    for name in LEGACY_FILES:  # an older home's flat layout, superseded now
        (out / name).unlink(missing_ok=True)
    return folder


def load_graph(settings: Settings) -> KnowledgeGraph | None:
    """The saved graph (one copy per process and published version), or None when it was never built."""
    out = graph_dir(settings)
    folder = graph_folder(settings)
    if folder is None:
        return None
    if folder != out:
        return artifacts.cached(out, read_graph)
    stamp = (out / LEGACY_FILES[0]).stat().st_mtime_ns
    return artifacts.cached_as(out, f"legacy@{stamp}", lambda: read_graph(out))


def published_paper_pks(settings: Settings) -> np.ndarray | None:
    """Paper keys of the saved graph (consistency checks), without loading the rest; None when never built."""
    folder = graph_folder(settings)
    if folder is None:
        return None
    with np.load(folder / "graph.npz", allow_pickle=False) as arrays:
        return arrays["paper_pks"].copy()


def read_manifest(folder: Path) -> dict:
    """A build's manifest (format, signature, counts), in either layout."""
    if (folder / artifacts.MANIFEST).is_file():
        return artifacts.read_manifest(folder)
    return json.loads((folder / LEGACY_FILES[0]).read_text(encoding="utf-8"))


def read_graph(folder: Path) -> KnowledgeGraph:
    manifest = read_manifest(folder)
    names = json.loads((folder / "names.json").read_text(encoding="utf-8"))
    with np.load(folder / "graph.npz", allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    mats = {
        name: sp.csr_matrix(
            (arrays[f"{name}_data"], arrays[f"{name}_indices"], arrays[f"{name}_indptr"]),
            shape=tuple(arrays[f"{name}_shape"]),
        )
        for name in _MATRICES
    }
    return KnowledgeGraph(
        paper_pks=arrays["paper_pks"],
        entity_pks=arrays["entity_pks"],
        rel_head=arrays["rel_head"],
        rel_tail=arrays["rel_tail"],
        rel_type=arrays["rel_type"],
        rel_count=arrays["rel_count"],
        manifest=manifest,
        **names,
        **mats,
    )
