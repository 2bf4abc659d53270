"""What the graph is built from, read straight off the catalog: edge listings, node rows and a change signature."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator, Sequence

from paperkg.catalog.store import chunks


class GraphEdgesMixin:
    conn: sqlite3.Connection

    def paper_entity_counts(self) -> Iterator[tuple[int, int, int]]:
        """(paper_pk, entity_pk, mentions) for every MENTIONS edge."""
        for row in self.conn.execute(
            "SELECT paper_pk, entity_pk, COUNT(*) FROM mention_entities GROUP BY paper_pk, entity_pk"
        ):
            yield int(row[0]), int(row[1]), int(row[2])

    def entity_relations(self) -> Iterator[tuple[int, int, str, int, int]]:
        """(head entity, tail entity, relation type, paper_pk, count) between resolved mentions."""
        for row in self.conn.execute(
            "SELECT h.entity_pk, t.entity_pk, r.type, r.paper_pk, COUNT(*) FROM relations r "
            "JOIN mention_entities h ON h.mention_pk = r.head_mention "
            "JOIN mention_entities t ON t.mention_pk = r.tail_mention "
            "WHERE h.entity_pk != t.entity_pk GROUP BY h.entity_pk, t.entity_pk, r.type, r.paper_pk"
        ):
            yield int(row[0]), int(row[1]), row[2], int(row[3]), int(row[4])

    def paper_nodes(self) -> Iterator[tuple[int, str, str, int | None, list[str]]]:
        """(pk, id, title, year, categories) for every paper, in pk order."""
        for pk, pid, title, year, cats in self.conn.execute(
            "SELECT pk, id, title, year, categories FROM papers ORDER BY pk"
        ):
            yield int(pk), pid, title, year, json.loads(cats)

    def authorships(self) -> Iterator[tuple[int, str]]:
        for pk, name in self.conn.execute("SELECT paper_pk, name FROM paper_authors ORDER BY paper_pk, position"):
            yield int(pk), name

    def citation_edges(self) -> Iterator[tuple[int, int | None, str | None]]:
        """(citing_pk, cited_pk, external_key) for every reference matched or kept as external."""
        for citing, cited, external in self.conn.execute(
            "SELECT DISTINCT citing_pk, cited_pk, CASE WHEN cited_pk IS NULL THEN external_key END "
            "FROM citations WHERE cited_pk IS NOT NULL OR external_key IS NOT NULL"
        ):
            yield int(citing), (int(cited) if cited is not None else None), external

    def paper_titles(self, pks: Sequence[int]) -> dict[int, tuple[str, str]]:
        """pk -> (id, title): what a recommendation list shows, without reading abstracts."""
        out: dict[int, tuple[str, str]] = {}
        for chunk in chunks(list(pks)):
            marks = ", ".join("?" * len(chunk))
            for pk, pid, title in self.conn.execute(f"SELECT pk, id, title FROM papers WHERE pk IN ({marks})", chunk):
                out[int(pk)] = (pid, title)
        return out

    def papers_of_entity(self, entity_pk: int, limit: int = 50) -> list[tuple[str, str, int]]:
        """(paper id, title, mentions) of papers mentioning the entity, most mentions first."""
        rows = self.conn.execute(
            "SELECT p.id, p.title, COUNT(*) AS n FROM mention_entities l JOIN papers p ON p.pk = l.paper_pk "
            "WHERE l.entity_pk = ? GROUP BY p.pk ORDER BY n DESC, p.id LIMIT ?",
            (entity_pk, limit),
        )
        return [(r[0], r[1], int(r[2])) for r in rows]

    def graph_signature(self) -> dict[str, int | str]:
        """Counts and high-water marks of everything the graph is built from: equal means unchanged."""
        q = {
            "papers": "SELECT COUNT(*) || ':' || COALESCE(MAX(last_changed), '') || ':' "
            "|| COALESCE(MAX(pk), 0) "
            "FROM papers",
            "authors": "SELECT COUNT(*) FROM paper_authors",
            "links": "SELECT COUNT(*) || ':' || COALESCE(MAX(mention_pk), 0) || ':' || TOTAL(entity_pk) "
            "FROM mention_entities",
            "entities": "SELECT COUNT(*) || ':' || TOTAL(mention_count) || ':' || COALESCE(MAX(pk), 0) FROM entities",
            "relations": "SELECT COUNT(*) || ':' || COALESCE(MAX(pk), 0) FROM relations",
            "citations": "SELECT COUNT(*) || ':' || COALESCE(MAX(pk), 0) || ':' || COUNT(cited_pk) FROM citations",
        }
        return {name: str(self.conn.execute(sql).fetchone()[0]) for name, sql in q.items()}
