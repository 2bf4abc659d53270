"""The property-graph model (see graph/README.md) as plain records from the catalog, for sync and export."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from paperkg.catalog import Catalog
from paperkg.catalog.entities import EntityRow

# SciERC relation labels -> Neo4j relationship types (hyphens are not allowed unquoted)
REL_TYPES = {
    "USED-FOR": "USED_FOR",
    "FEATURE-OF": "FEATURE_OF",
    "HYPONYM-OF": "HYPONYM_OF",
    "PART-OF": "PART_OF",
    "COMPARE": "COMPARE",
    "CONJUNCTION": "CONJUNCTION",
    "EVALUATE-FOR": "EVALUATE_FOR",
}
MAX_RELATION_PAPERS = 50  # ids kept on a relation edge's `papers` property


@dataclass(slots=True)
class PaperRecord:
    id: str
    title: str
    year: int | None
    categories: list[str]
    authors: list[str] = field(default_factory=list)
    mentions: list[tuple[str, int]] = field(default_factory=list)  # (entity id, count)
    cites: list[str] = field(default_factory=list)  # catalog paper ids
    cites_external: list[str] = field(default_factory=list)  # external keys


@dataclass(slots=True)
class EntityRecord:
    id: str
    name: str
    type: str
    aliases: list[str]
    paper_count: int
    mention_count: int

    @classmethod
    def of(cls, row: EntityRow) -> EntityRecord:
        """The entity as the graph, the API and the CLI show it: its key is its id, the catalog pk stays inside."""
        return cls(
            id=row.key,
            name=row.name,
            type=row.type,
            aliases=row.aliases,
            paper_count=row.paper_count,
            mention_count=row.mention_count,
        )


@dataclass(slots=True)
class RelationRecord:
    head: str
    tail: str
    type: str  # Neo4j relationship type, e.g. USED_FOR
    count: int
    papers: list[str]

    @property
    def key(self) -> str:
        return f"{self.head}\x1f{self.type}\x1f{self.tail}"


@dataclass(slots=True)
class GraphSnapshot:
    papers: list[PaperRecord]
    entities: list[EntityRecord]
    relations: list[RelationRecord]

    @property
    def externals(self) -> list[str]:
        return sorted({k for p in self.papers for k in p.cites_external})


def read_snapshot(catalog: Catalog) -> GraphSnapshot:
    """Everything the graph holds, sorted, so that syncs compare digests and exports are byte-identical."""
    papers: dict[int, PaperRecord] = {}
    for pk, pid, title, year, cats in catalog.paper_nodes():
        papers[pk] = PaperRecord(id=pid, title=title, year=year, categories=sorted(cats))
    for pk, name in catalog.authorships():
        if pk in papers and name not in papers[pk].authors:
            papers[pk].authors.append(name)
    entities = {e.pk: e for e in catalog.iter_entities()}
    for paper_pk, entity_pk, count in catalog.paper_entity_counts():
        if paper_pk in papers and entity_pk in entities:
            papers[paper_pk].mentions.append((entities[entity_pk].key, count))
    for citing, cited, external in catalog.citation_edges():
        if citing not in papers:
            continue
        if cited is not None and cited in papers:
            papers[citing].cites.append(papers[cited].id)
        elif external:
            papers[citing].cites_external.append(external)
    for p in papers.values():
        p.mentions.sort()
        p.cites = sorted(set(p.cites))
        p.cites_external = sorted(set(p.cites_external))

    rel_stats: dict[tuple[str, str, str], list] = defaultdict(lambda: [0, set()])
    for head, tail, rtype, paper_pk, count in catalog.entity_relations():
        if head in entities and tail in entities and rtype in REL_TYPES and paper_pk in papers:
            stat = rel_stats[(entities[head].key, REL_TYPES[rtype], entities[tail].key)]
            stat[0] += count
            stat[1].add(papers[paper_pk].id)
    relations = [
        RelationRecord(head=h, tail=t, type=rt, count=n, papers=sorted(ids)[:MAX_RELATION_PAPERS])
        for (h, rt, t), (n, ids) in sorted(rel_stats.items())
    ]
    entity_records = sorted(
        (EntityRecord.of(e) for e in entities.values()),
        key=lambda e: e.id,
    )
    return GraphSnapshot(
        papers=sorted(papers.values(), key=lambda p: p.id), entities=entity_records, relations=relations
    )
