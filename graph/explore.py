"""Entity pages, entity search and node neighborhoods (nodes and edges as JSON for a graph view)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from paperkg.catalog import Catalog
from paperkg.catalog.entities import EntityRow
from paperkg.errors import EntityNotFound, GraphUnavailable, PaperNotFound
from paperkg.graph.build import KnowledgeGraph
from paperkg.graph.csr import row_cols, row_items
from paperkg.graph.model import EntityRecord
from paperkg.graph.normalize import normalize


@dataclass(slots=True)
class RelatedEntity:
    id: str
    name: str
    type: str
    relation: str  # USED-FOR, ...
    direction: str  # "out": this entity is the head; "in": the tail
    count: int


@dataclass(slots=True)
class EntityPage:
    entity: EntityRecord
    papers: list[dict] = field(default_factory=list)  # {id, title, mentions}
    related: dict[str, list[RelatedEntity]] = field(default_factory=dict)  # by relation type

    def to_dict(self) -> dict:
        return asdict(self)


def find_entities(catalog: Catalog, query: str, limit: int = 20) -> list[EntityRecord]:
    """Exact key or alias matches first, then substring matches, most papers first."""
    query = query.strip()
    if not query:
        return []
    exact: dict[str, EntityRow] = {}
    key = normalize(query).key
    if key and (e := catalog.get_entity(key)) is not None:
        exact[e.key] = e
    for e in catalog.entity_by_alias(query):
        exact.setdefault(e.key, e)
    for e in catalog.search_entities(query, limit):
        exact.setdefault(e.key, e)
    return [EntityRecord.of(e) for e in list(exact.values())[:limit]]


def resolve_entity(catalog: Catalog, query_or_id: str) -> EntityRow:
    """An entity by id (its key), or by name or alias when that names exactly one best match."""
    e = catalog.get_entity(query_or_id)
    if e is None:
        found = find_entities(catalog, query_or_id, limit=1)
        e = catalog.get_entity(found[0].id) if found else None
    if e is None:
        raise EntityNotFound.unknown(query_or_id)
    return e


def entity_page(
    catalog: Catalog, kg: KnowledgeGraph | None, query_or_id: str, papers: int = 20, related: int = 10
) -> EntityPage:
    e = resolve_entity(catalog, query_or_id)
    page = EntityPage(entity=EntityRecord.of(e))
    page.papers = [
        {"id": pid, "title": title, "mentions": n} for pid, title, n in catalog.papers_of_entity(e.pk, papers)
    ]
    if kg is not None and (col := kg.entity_col(e.key)) is not None:
        by_type: dict[str, list[RelatedEntity]] = {}
        for i in np.flatnonzero((kg.rel_head == col) | (kg.rel_tail == col)).tolist():
            out = int(kg.rel_head[i]) == col
            other = int(kg.rel_tail[i] if out else kg.rel_head[i])
            rel = kg.relation_type(int(kg.rel_type[i]))
            by_type.setdefault(rel, []).append(
                RelatedEntity(
                    id=kg.entity_keys[other],
                    name=kg.entity_names[other],
                    type=kg.entity_types[other],
                    relation=rel,
                    direction="out" if out else "in",
                    count=int(kg.rel_count[i]),
                )
            )
        page.related = {
            rel: sorted(items, key=lambda r: (-r.count, r.id))[:related] for rel, items in sorted(by_type.items())
        }
    return page


# --- neighborhood ---------------------------------------------------------------------------------------
@dataclass(slots=True)
class Neighborhood:
    nodes: list[dict]  # {id, label, name, ...}
    edges: list[dict]  # {source, target, type, ...}
    truncated: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


def neighborhood(
    catalog: Catalog,
    kg: KnowledgeGraph | None,
    node_id: str,
    depth: int = 1,
    max_nodes: int = 150,
    per_node: int = 25,
) -> Neighborhood:
    """Nodes within `depth` hops of a paper or an entity (ids as in the graph model), capped for display."""
    if kg is None:
        raise GraphUnavailable("the knowledge graph is not built; run `paperkg graph build`")
    depth = max(1, min(depth, 3))
    start: tuple[str, int]
    if (row := kg.paper_row_by_id(node_id)) is not None:
        start = ("P", row)
    elif (col := kg.entity_col(node_id)) is not None:
        start = ("E", col)
    elif catalog.paper_pk(node_id) is not None:
        raise GraphUnavailable(f"paper {node_id!r} is not in the graph yet; run `paperkg graph build`")
    elif catalog.get_entity(node_id) is None:
        raise PaperNotFound(f"unknown paper or entity id {node_id!r}")
    else:
        raise GraphUnavailable(f"entity {node_id!r} is not in the graph yet; run `paperkg graph build`")

    nodes: dict[tuple[str, int], dict] = {start: _node(kg, *start)}
    edges: dict[tuple, dict] = {}
    frontier = [start]
    truncated = False
    for _ in range(depth):
        nxt = []
        for kind, i in frontier:
            for other, edge in _adjacent(kg, kind, i, per_node):
                if other not in nodes:
                    if len(nodes) >= max_nodes:
                        truncated = True
                        continue
                    nodes[other] = _node(kg, *other)
                    nxt.append(other)
                edges[(edge["source"], edge["type"], edge["target"])] = edge
        frontier = nxt
    ids = {n["id"] for n in nodes.values()}
    kept = [e for e in edges.values() if e["source"] in ids and e["target"] in ids]
    return Neighborhood(nodes=list(nodes.values()), edges=kept, truncated=truncated)


def _node(kg: KnowledgeGraph, kind: str, i: int) -> dict:
    if kind == "P":
        return {"id": kg.paper_ids[i], "label": "Paper"}
    if kind == "X":
        return {"id": kg.externals[i], "label": "Paper", "external": True}
    if kind == "A":
        return {"id": kg.authors[i], "label": "Author", "name": kg.authors[i]}
    return {
        "id": kg.entity_keys[i],
        "label": "Entity",
        "name": kg.entity_names[i],
        "type": kg.entity_types[i],
    }


def _adjacent(kg: KnowledgeGraph, kind: str, i: int, limit: int):
    if kind == "P":
        pid = kg.paper_ids[i]
        cols, counts = row_items(kg.mentions, i)
        order = np.argsort(-kg.entity_idf[cols] * counts, kind="stable")[:limit]
        for j, n in zip(cols[order].tolist(), counts[order].tolist(), strict=True):
            yield ("E", j), {"source": pid, "target": kg.entity_keys[j], "type": "MENTIONS", "count": int(n)}
        for a in row_cols(kg.wrote, i)[:limit].tolist():
            yield ("A", a), {"source": kg.authors[a], "target": pid, "type": "WROTE"}
        for c in row_cols(kg.cites, i)[:limit].tolist():
            other = ("P", c) if c < kg.n_papers else ("X", c - kg.n_papers)
            yield other, {"source": pid, "target": _node(kg, *other)["id"], "type": "CITES"}
        if i < kg.cited_by.shape[1]:
            for c in row_cols(kg.cited_by, i)[:limit].tolist():
                yield ("P", c), {"source": kg.paper_ids[c], "target": pid, "type": "CITES"}
    elif kind == "E":
        key = kg.entity_keys[i]
        rows, counts = row_items(kg.entity_papers, i)
        for r, n in list(zip(rows.tolist(), counts.tolist(), strict=True))[:limit]:
            yield ("P", r), {"source": kg.paper_ids[r], "target": key, "type": "MENTIONS", "count": int(n)}
        for k in np.flatnonzero((kg.rel_head == i) | (kg.rel_tail == i))[:limit].tolist():
            h, t = int(kg.rel_head[k]), int(kg.rel_tail[k])
            other = t if h == i else h
            yield (
                ("E", other),
                {
                    "source": kg.entity_keys[h],
                    "target": kg.entity_keys[t],
                    "type": kg.relation_type(int(kg.rel_type[k])).replace("-", "_"),
                    "count": int(kg.rel_count[k]),
                },
            )
    elif kind == "A":
        for r in row_cols(kg.author_papers, i)[:limit].tolist():
            yield ("P", r), {"source": kg.authors[i], "target": kg.paper_ids[r], "type": "WROTE"}
    elif kind == "X":
        for r in row_cols(kg.cited_by, kg.n_papers + i)[:limit].tolist():
            yield ("P", r), {"source": kg.paper_ids[r], "target": kg.externals[i], "type": "CITES"}
