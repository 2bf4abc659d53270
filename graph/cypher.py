"""Cypher statements the graph sync runs and the parameter rows they read (text only: no driver here).

Every statement takes its values as parameters (`UNWIND $rows`); relationship types, which Cypher cannot take
as parameters, come only from the fixed `REL_TYPES` names.
"""

from __future__ import annotations

from paperkg.graph.dialect import Dialect
from paperkg.graph.model import REL_TYPES, EntityRecord, PaperRecord, RelationRecord

Q_ENTITIES = (
    "UNWIND $rows AS row MERGE (e:Entity {id: row.id}) "
    "SET e.name = row.name, e.type = row.type, e.aliases = row.aliases, e.paper_count = row.paper_count, "
    "e.mention_count = row.mention_count"
)
Q_PAPERS = (
    "UNWIND $rows AS row MERGE (p:Paper {id: row.id}) "
    "SET p.title = row.title, p.year = row.year, p.categories = row.categories, p.external = false"
)
Q_CLEAR_PAPER_EDGES = (
    "UNWIND $rows AS row MATCH (p:Paper {id: row.id})-[r]->() "
    "WHERE type(r) IN ['MENTIONS', 'IN_CATEGORY', 'CITES'] DELETE r"
)
Q_CLEAR_WROTE = "UNWIND $rows AS row MATCH (:Author)-[r:WROTE]->(p:Paper {id: row.id}) DELETE r"
Q_MENTIONS = (
    "UNWIND $rows AS row MATCH (p:Paper {id: row.p}) MATCH (e:Entity {id: row.e}) "
    "MERGE (p)-[r:MENTIONS]->(e) SET r.count = row.count"
)
Q_WROTE = (
    "UNWIND $rows AS row MATCH (p:Paper {id: row.p}) MERGE (a:Author {name: row.a}) "
    "MERGE (a)-[r:WROTE]->(p) SET r.position = row.position"
)
Q_IN_CATEGORY = (
    "UNWIND $rows AS row MATCH (p:Paper {id: row.p}) MERGE (c:Category {code: row.c}) MERGE (p)-[:IN_CATEGORY]->(c)"
)
Q_CITES = (
    "UNWIND $rows AS row MATCH (p:Paper {id: row.p}) MERGE (q:Paper {id: row.q}) "
    "ON CREATE SET q.external = row.external MERGE (p)-[:CITES]->(q)"
)
Q_DELETE_PAPERS = "UNWIND $rows AS row MATCH (p:Paper {id: row.id}) DETACH DELETE p"
Q_DELETE_ENTITIES = "UNWIND $rows AS row MATCH (e:Entity {id: row.id}) DETACH DELETE e"
Q_ORPHANS = (
    "MATCH (a:Author) WHERE NOT (a)--() DELETE a",
    "MATCH (c:Category) WHERE NOT (c)--() DELETE c",
    "MATCH (p:Paper) WHERE p.external = true AND NOT (p)--() DELETE p",
)


def q_relation(rel_type: str) -> str:
    assert rel_type in REL_TYPES.values()  # relationship types cannot be parameters: only these names are used
    return (
        "UNWIND $rows AS row MATCH (h:Entity {id: row.h}) MATCH (t:Entity {id: row.t}) "
        f"MERGE (h)-[r:{rel_type}]->(t) SET r.count = row.count, r.papers = row.papers"
    )


def q_delete_relation(rel_type: str) -> str:
    assert rel_type in REL_TYPES.values()
    return f"UNWIND $rows AS row MATCH (:Entity {{id: row.h}})-[r:{rel_type}]->(:Entity {{id: row.t}}) DELETE r"


def relation_key_row(key: str) -> dict[str, str]:
    head, _rel_type, tail = key.split("\x1f")
    return {"h": head, "t": tail}


def entity_row(e: EntityRecord, d: Dialect) -> dict:
    return {
        "node": {
            "id": e.id,
            "name": d.clip(e.name),
            "type": e.type,
            "aliases": [d.clip(a) for a in e.aliases[: d.max_list]],
            "paper_count": e.paper_count,
            "mention_count": e.mention_count,
        }
    }


def paper_row(p: PaperRecord, d: Dialect) -> dict:
    return {
        "node": {"id": p.id, "title": d.clip(p.title), "year": p.year, "categories": p.categories},
        "mentions": [list(m) for m in p.mentions],
        "authors": p.authors,
        "categories": p.categories,
        "cites": [[q, False] for q in p.cites] + [[q, True] for q in p.cites_external],
    }


def relation_row(r: RelationRecord, d: Dialect) -> dict:
    return {
        "type": r.type,
        "edge": {"h": r.head, "t": r.tail, "count": r.count, "papers": r.papers[: d.max_list]},
    }
