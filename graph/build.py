"""The embedded knowledge graph: assembled from the catalog into scipy.sparse matrices, published as one version.

No server is needed: recommendations, entity pages and neighborhoods all read this graph. Entity resolution is
incremental (only papers with new mentions are read); the matrix assembly is one streaming pass over the
catalog's edge tables and is skipped when nothing changed since the last build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import scipy.sparse as sp
from paperkg.catalog import Catalog
from paperkg.graph.csr import row_cols, row_items
from paperkg.graph.resolve import ResolveReport, resolve_entities
from paperkg.graph.store import (
    RELATION_TYPES,
    KnowledgeGraph,
    graph_dir,
    graph_folder,
    load_graph,
    read_graph,
    read_manifest,
    save_graph,
)
from paperkg.settings import Settings

# the graph's object and its files live in graph/store.py; these names are imported from here too
__all__ = [
    "RELATION_TYPES",
    "BuildReport",
    "KnowledgeGraph",
    "assemble",
    "build_graph",
    "graph_dir",
    "graph_folder",
    "load_graph",
    "read_graph",
    "save_graph",
    "to_networkx",
]

FORMAT_VERSION = 1


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
    folder = graph_folder(settings)
    if not force and folder is not None:
        old = read_manifest(folder)
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
