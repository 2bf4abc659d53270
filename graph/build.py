"""The embedded knowledge graph: assembled from the catalog into scipy.sparse matrices, saved atomically.

No server is needed: recommendations, entity pages and neighborhoods all read this graph. Entity resolution is
incremental (only papers with new mentions are read); the matrix assembly is one streaming pass over the
catalog's edge tables and is skipped when nothing changed since the last build.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from paperkg.catalog import Catalog
from paperkg.graph.csr import row_cols, row_items
from paperkg.graph.resolve import ResolveReport, resolve_entities
from paperkg.settings import Settings

FORMAT_VERSION = 1
RELATION_TYPES = ("USED-FOR", "FEATURE-OF", "HYPONYM-OF", "PART-OF", "COMPARE", "CONJUNCTION", "EVALUATE-FOR")


def graph_dir(settings: Settings) -> Path:
    return settings.home / "graph"


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What one graph build did: the entity resolution, and the graph's counts (rebuilt or unchanged)."""

    resolve: ResolveReport
    rebuilt: bool
    papers: int = 0
    entities: int = 0
    authors: int = 0
    externals: int = 0
    mentions_edges: int = 0
    relation_edges: int = 0
    citation_edges: int = 0
    seconds: float = 0.0
    extra: dict[str, float] = field(default_factory=dict)


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

    # --- lookups -----------------------------------------------------------------------------------------
    @property
    def n_papers(self) -> int:
        return len(self.paper_pks)

    def paper_row(self, pk: int) -> int | None:
        i = int(np.searchsorted(self.paper_pks, pk))
        return i if i < len(self.paper_pks) and int(self.paper_pks[i]) == pk else None

    def paper_row_by_id(self, paper_id: str) -> int | None:
        index = self._cache.get("paper_by_id")
        if index is None:
            index = self._cache["paper_by_id"] = {pid: i for i, pid in enumerate(self.paper_ids)}
        return index.get(paper_id)

    def entity_col(self, key: str) -> int | None:
        index = self._cache.get("entity_by_key")
        if index is None:
            index = self._cache["entity_by_key"] = {k: i for i, k in enumerate(self.entity_keys)}
        return index.get(key)

    @property
    def entity_df(self) -> np.ndarray:
        """Papers mentioning each entity."""
        if "df" not in self._cache:
            self._cache["df"] = np.bincount(self.mentions.indices, minlength=len(self.entity_keys))
        return self._cache["df"]

    @property
    def entity_idf(self) -> np.ndarray:
        if "idf" not in self._cache:
            self._cache["idf"] = np.log1p(self.n_papers / np.maximum(self.entity_df, 1)).astype(np.float32)
        return self._cache["idf"]

    @property
    def cited_by(self) -> sp.csc_matrix:
        if "cited_by" not in self._cache:
            self._cache["cited_by"] = self.cites.tocsc()
        return self._cache["cited_by"]

    @property
    def author_papers(self) -> sp.csc_matrix:
        if "author_papers" not in self._cache:
            self._cache["author_papers"] = self.wrote.tocsc()
        return self._cache["author_papers"]

    @property
    def entity_papers(self) -> sp.csc_matrix:
        if "entity_papers" not in self._cache:
            self._cache["entity_papers"] = self.mentions.tocsc()
        return self._cache["entity_papers"]

    def relation_type(self, code: int) -> str:
        return RELATION_TYPES[code]


# --- build ----------------------------------------------------------------------------------------------
def catalog_signature(catalog: Catalog) -> dict[str, int | str]:
    """What the graph depends on; an unchanged signature means nothing to rebuild."""
    return catalog.graph_signature()


def build_graph(
    catalog: Catalog,
    settings: Settings,
    *,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> BuildReport:
    """Resolve new mentions to entities, then (re)assemble and save the embedded graph if anything changed."""
    started = datetime.now(UTC)
    resolved = resolve_entities(catalog, progress=progress)
    signature = catalog_signature(catalog)
    out = graph_dir(settings)
    manifest_path = out / "graph.json"
    if not force and manifest_path.is_file():
        old = json.loads(manifest_path.read_text(encoding="utf-8"))
        if old.get("signature") == signature and old.get("format") == FORMAT_VERSION:
            return BuildReport(resolve=resolved, rebuilt=False, **_counts(old))
    kg = assemble(catalog)
    kg.manifest = {
        "format": FORMAT_VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "signature": signature,
        "counts": {
            "papers": kg.n_papers,
            "entities": len(kg.entity_keys),
            "authors": len(kg.authors),
            "externals": len(kg.externals),
            "mentions_edges": int(kg.mentions.nnz),
            "relation_edges": len(kg.rel_type),
            "citation_edges": int(kg.cites.nnz),
        },
    }
    save_graph(kg, out)
    _LOADED.pop(str(out), None)
    seconds = (datetime.now(UTC) - started).total_seconds()
    return BuildReport(resolve=resolved, rebuilt=True, seconds=seconds, **_counts(kg.manifest))


def _counts(manifest: dict) -> dict[str, int]:
    return dict(manifest.get("counts", {}))


def assemble(catalog: Catalog) -> KnowledgeGraph:
    """One pass over the catalog's papers, entities, authors, citations and relations."""
    paper_pks, paper_ids = [], []
    for pk, pid, _title, _year, _cats in catalog.paper_nodes():
        paper_pks.append(pk)
        paper_ids.append(pid)
    pks = np.asarray(paper_pks, dtype=np.int64)
    row_of = {pk: i for i, pk in enumerate(paper_pks)}

    entities = list(catalog.iter_entities())
    entity_pks = np.asarray([e.pk for e in entities], dtype=np.int64)
    col_of = {e.pk: i for i, e in enumerate(entities)}

    rows, cols, vals = [], [], []
    for paper_pk, entity_pk, count in catalog.paper_entity_counts():
        if paper_pk in row_of and entity_pk in col_of:
            rows.append(row_of[paper_pk])
            cols.append(col_of[entity_pk])
            vals.append(count)
    mentions = _csr(rows, cols, vals, (len(pks), len(entities)), np.float32)

    author_of: dict[str, int] = {}
    rows, cols = [], []
    for paper_pk, name in catalog.authorships():
        if paper_pk in row_of:
            rows.append(row_of[paper_pk])
            cols.append(author_of.setdefault(name, len(author_of)))
    wrote = _csr(rows, cols, [1] * len(rows), (len(pks), len(author_of)), np.float32)
    wrote.data[:] = 1  # the same name twice on one paper is one authorship

    external_of: dict[str, int] = {}
    rows, cols = [], []
    for citing, cited, external in catalog.citation_edges():
        if citing not in row_of:
            continue
        if cited is not None and cited in row_of:
            rows.append(row_of[citing])
            cols.append(row_of[cited])
        elif external:
            rows.append(row_of[citing])
            cols.append(len(pks) + external_of.setdefault(external, len(external_of)))
    cites = _csr(rows, cols, [1] * len(rows), (len(pks), len(pks) + len(external_of)), np.float32)
    cites.data[:] = 1

    pair_stats: dict[tuple[int, int, int], int] = {}
    type_code = {t: i for i, t in enumerate(RELATION_TYPES)}
    for head, tail, rtype, _paper, count in catalog.entity_relations():
        if head in col_of and tail in col_of and rtype in type_code:
            key = (col_of[head], col_of[tail], type_code[rtype])
            pair_stats[key] = pair_stats.get(key, 0) + count
    ordered = sorted(pair_stats.items())
    rel_head = np.asarray([k[0] for k, _ in ordered], dtype=np.int64)
    rel_tail = np.asarray([k[1] for k, _ in ordered], dtype=np.int64)
    rel_type = np.asarray([k[2] for k, _ in ordered], dtype=np.int8)
    rel_count = np.asarray([n for _, n in ordered], dtype=np.int32)
    relations = _relation_matrix(rel_head, rel_tail, len(entities))

    return KnowledgeGraph(
        paper_pks=pks,
        paper_ids=paper_ids,
        entity_pks=entity_pks,
        entity_keys=[e.key for e in entities],
        entity_names=[e.name for e in entities],
        entity_types=[e.type for e in entities],
        authors=list(author_of),
        externals=list(external_of),
        mentions=mentions,
        wrote=wrote,
        cites=cites,
        relations=relations,
        rel_head=rel_head,
        rel_tail=rel_tail,
        rel_type=rel_type,
        rel_count=rel_count,
    )


def _csr(rows: list[int], cols: list[int], vals: list[float], shape: tuple[int, int], dtype) -> sp.csr_matrix:
    m = sp.coo_matrix(
        (np.asarray(vals, dtype=dtype), (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
        shape=shape,
    ).tocsr()
    m.sum_duplicates()
    m.sort_indices()
    return m


def _relation_matrix(head: np.ndarray, tail: np.ndarray, n: int) -> sp.csr_matrix:
    # keep the first relation (lowest type code) per pair; the sorted arrays list every one of them
    first: dict[tuple[int, int], int] = {}
    for i, (h, t) in enumerate(zip(head.tolist(), tail.tolist(), strict=True)):
        first.setdefault((h, t), i + 1)
    pairs = list(first.items())
    return _csr([h for (h, _t), _ in pairs], [t for (_h, t), _ in pairs], [i for _, i in pairs], (n, n), np.int64)


# --- save / load ----------------------------------------------------------------------------------------
_MATRICES = ("mentions", "wrote", "cites", "relations")


def save_graph(kg: KnowledgeGraph, out: Path) -> None:
    """Arrays in one .npz (no pickles), names in a JSON manifest; both written to temp files and renamed."""
    out.mkdir(parents=True, exist_ok=True)
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
    with tempfile.NamedTemporaryFile(dir=out, suffix=".npz", delete=False) as tmp:
        np.savez(tmp, **arrays)
    os.replace(tmp.name, out / "graph.npz")
    _atomic_text(out / "names.json", json.dumps(names, ensure_ascii=False))
    _atomic_text(out / "graph.json", json.dumps(kg.manifest, indent=2, ensure_ascii=False))


def _atomic_text(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, encoding="utf-8", suffix=".tmp") as tmp:
        tmp.write(text)
    os.replace(tmp.name, path)


_LOADED: dict[str, tuple[float, KnowledgeGraph]] = {}
_LOCK = threading.Lock()


def load_graph(settings: Settings) -> KnowledgeGraph | None:
    """The saved graph (cached per process until the files change), or None when it was never built."""
    out = graph_dir(settings)
    manifest_path = out / "graph.json"
    if not manifest_path.is_file():
        return None
    stamp = manifest_path.stat().st_mtime
    with _LOCK:
        cached = _LOADED.get(str(out))
        if cached and cached[0] == stamp:
            return cached[1]
        kg = read_graph(out)
        _LOADED[str(out)] = (stamp, kg)
        return kg


def read_graph(out: Path) -> KnowledgeGraph:
    manifest = json.loads((out / "graph.json").read_text(encoding="utf-8"))
    names = json.loads((out / "names.json").read_text(encoding="utf-8"))
    with np.load(out / "graph.npz", allow_pickle=False) as z:
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


def to_networkx(kg: KnowledgeGraph, paper_rows: list[int] | None = None):
    """The graph (or the part around some papers) as a networkx MultiDiGraph with the Neo4j model's labels."""
    import networkx as nx

    g = nx.MultiDiGraph()
    rows = range(kg.n_papers) if paper_rows is None else paper_rows
    for r in rows:
        pid = kg.paper_ids[r]
        g.add_node(pid, label="Paper")
        for j, count in zip(*row_items(kg.mentions, r), strict=True):
            g.add_node(kg.entity_keys[j], label="Entity", name=kg.entity_names[j], type=kg.entity_types[j])
            g.add_edge(pid, kg.entity_keys[j], key="MENTIONS", count=int(count))
        for a in row_cols(kg.wrote, r):
            g.add_node(kg.authors[a], label="Author")
            g.add_edge(kg.authors[a], pid, key="WROTE")
        for c in row_cols(kg.cites, r):
            target = kg.paper_ids[c] if c < kg.n_papers else kg.externals[c - kg.n_papers]
            g.add_node(target, label="Paper")
            g.add_edge(pid, target, key="CITES")
    return g
