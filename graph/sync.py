"""Neo4j sync: the only module that opens Bolt sessions. Pushes the graph with batched, parameterized MERGE.

The statements and their parameter rows live in `cypher.py`; what differs per server lives in `dialect.py`.

Idempotent (MERGE on keys, SET properties) and incremental: a digest of every paper (node plus its outgoing
edges), entity and entity relation is kept per target in the catalog, and only what changed since the last
sync is sent; what disappeared from the catalog is deleted. Batches are cut by row count and by a byte budget
(small for FalkorDB, large for Neo4j, see `dialect.py`); transient errors and dropped connections are retried.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import neo4j
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from paperkg.catalog import Catalog
from paperkg.errors import GraphUnavailable
from paperkg.graph import cypher
from paperkg.graph.dialect import DIALECTS, Dialect, detect
from paperkg.graph.model import REL_TYPES, read_snapshot
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

_RETRYABLE = (ServiceUnavailable, SessionExpired, TransientError, ConnectionError, OSError)


@dataclass(slots=True)
class SyncReport:
    target: str
    dialect: str
    papers_pushed: int = 0
    entities_pushed: int = 0
    relations_pushed: int = 0
    papers_deleted: int = 0
    entities_deleted: int = 0
    relations_deleted: int = 0
    batches: int = 0
    statements: int = 0
    counters: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.papers_pushed,
                self.entities_pushed,
                self.relations_pushed,
                self.papers_deleted,
                self.entities_deleted,
                self.relations_deleted,
            )
        )

    @property
    def writes(self) -> int:
        """Nodes and relationships created or deleted plus properties set, as the server counted them."""
        return sum(
            self.counters.get(k, 0)
            for k in ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted")
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "dialect": self.dialect,
            "papers_pushed": self.papers_pushed,
            "entities_pushed": self.entities_pushed,
            "relations_pushed": self.relations_pushed,
            "papers_deleted": self.papers_deleted,
            "entities_deleted": self.entities_deleted,
            "relations_deleted": self.relations_deleted,
            "batches": self.batches,
            "counters": self.counters,
            "seconds": round(self.seconds, 3),
            "writes_per_second": round(self.writes / self.seconds, 1) if self.seconds else None,
        }


def digest(value: Any) -> str:
    return hashlib.blake2b(json.dumps(value, sort_keys=True, ensure_ascii=False).encode(), digest_size=12).hexdigest()


def batches(rows: Iterable[dict], max_rows: int, max_bytes: int) -> Iterator[list[dict]]:
    """Batches of at most `max_rows` rows and about `max_bytes` of JSON; a lone huge row goes alone."""
    batch: list[dict] = []
    size = 0
    for row in rows:
        row_size = len(json.dumps(row, ensure_ascii=False).encode()) + 1
        if batch and (len(batch) >= max_rows or size + row_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += row_size
    if batch:
        yield batch


class GraphWriter:
    """A driver plus a dialect: runs statements with retries and byte-budgeted UNWIND batches."""

    def __init__(
        self,
        driver: neo4j.Driver,
        database: str | None,
        dialect: Dialect | None = None,
        on_rows: Callable[[int], None] | None = None,
    ) -> None:
        self.driver = driver
        self.database = database
        self.dialect = dialect or detect(self.read)
        self.on_rows = on_rows
        self.counters: dict[str, int] = {}
        self.batches = 0
        self.statements = 0

    @retry(
        retry=retry_if_exception_type(_RETRYABLE),
        stop=stop_after_attempt(6),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    def read(self, query: str, **params: Any) -> list[dict]:
        dialect = getattr(self, "dialect", None)  # unknown while detecting: detection sends no parameters
        params = dialect.encode(params) if dialect else params
        with self.driver.session(database=self.database) as session:
            return session.run(query, params).data()

    @retry(
        retry=retry_if_exception_type(_RETRYABLE),
        stop=stop_after_attempt(6),
        wait=wait_exponential(multiplier=0.2, max=5),
        reraise=True,
    )
    def write(self, query: str, **params: Any) -> None:
        # auto-commit runs: FalkorDB's Bolt has no explicit transactions; every statement here is idempotent,
        # so replaying one after a dropped connection is safe
        with self.driver.session(database=self.database) as session:
            summary = session.run(query, params).consume()
        self.statements += 1
        for name, value in vars(summary.counters).items():
            if isinstance(value, int) and not isinstance(value, bool) and value:
                key = name.lstrip("_")
                self.counters[key] = self.counters.get(key, 0) + value

    def unwind(self, query: str, rows: Iterable[dict]) -> int:
        """Run `query` (which reads `$rows`) over all rows in budgeted batches; returns the row count."""
        n = 0
        encoded = (self.dialect.encode(row) for row in rows)
        for batch in batches(encoded, self.dialect.max_batch_rows, self.dialect.max_batch_bytes):
            self.write(query, rows=batch)
            self.batches += 1
            n += len(batch)
            if self.on_rows:
                self.on_rows(len(batch))
        return n

    def ensure_schema(self) -> None:
        for statement in self.dialect.schema_statements():
            try:
                self.write(statement)
            except neo4j.exceptions.Neo4jError as exc:
                if not self.dialect.schema_error_is_harmless(str(exc)):
                    raise


def open_driver(
    uri: str,
    user: str | None,
    password: str | None,
    *,
    database: str | None = None,
    acquisition_timeout: float = 10.0,
) -> neo4j.Driver:
    """A driver whose first connection is made (and retried) here.

    FalkorDB's Bolt leaves a new driver's first handshake unanswered until the acquisition deadline, then
    serves the retry at once: a short deadline turns that measured 60 s stall into a few seconds.
    """
    auth = (user, password or "") if user else None
    try:
        driver = neo4j.GraphDatabase.driver(
            uri, auth=auth, connection_timeout=10, connection_acquisition_timeout=acquisition_timeout
        )
    except ValueError as exc:
        raise GraphUnavailable(f"bad graph server address {uri!r}: {exc}") from None
    try:
        warm_up(driver, database)
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        driver.close()
        raise GraphUnavailable(f"graph server {uri} unavailable: {exc.__class__.__name__}") from None
    return driver


@retry(
    retry=retry_if_exception_type(_RETRYABLE),
    stop=stop_after_attempt(4),
    wait=wait_exponential(0.2, max=2),
    reraise=True,
)
def warm_up(driver: neo4j.Driver, database: str | None = None) -> None:
    with driver.session(database=database) as session:
        session.run("RETURN 1").consume()


def sync_graph(
    catalog: Catalog,
    driver: neo4j.Driver,
    *,
    target: str,
    database: str | None = None,
    dialect: str | None = None,
    full: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> SyncReport:
    """Push what changed since the last sync to `target` (a name for the server + database in the sync state).

    `full` forgets the stored state and re-pushes everything (still idempotent). `progress(done, total)` is
    called as rows are written.
    """
    started = time.perf_counter()
    done = [0]
    total = [0]

    def on_rows(n: int) -> None:
        done[0] += n
        if progress:
            progress(done[0], total[0])

    try:
        writer = GraphWriter(driver, database, DIALECTS[dialect] if dialect else None, on_rows=on_rows)
        report = SyncReport(target=target, dialect=writer.dialect.name)
        _sync(catalog, writer, report, target, full, total)
    except (ServiceUnavailable, SessionExpired, OSError) as exc:
        raise GraphUnavailable(f"graph server {target} unavailable: {exc.__class__.__name__}") from None
    report.batches, report.statements, report.counters = writer.batches, writer.statements, writer.counters
    report.seconds = time.perf_counter() - started
    return report


def _sync(catalog: Catalog, w: GraphWriter, report: SyncReport, target: str, full: bool, total: list[int]) -> None:
    d = w.dialect
    snap = read_snapshot(catalog)
    if full:
        with catalog.transaction():
            for kind in ("paper", "entity", "relation"):
                catalog.drop_sync_digests(target, kind)
    old = {kind: catalog.sync_digests(target, kind) for kind in ("paper", "entity", "relation")}

    entity_rows = {e.id: cypher.entity_row(e, d) for e in snap.entities}
    paper_rows = {p.id: cypher.paper_row(p, d) for p in snap.papers}
    relation_rows = {r.key: cypher.relation_row(r, d) for r in snap.relations}
    new = {
        "entity": {k: digest(v) for k, v in entity_rows.items()},
        "paper": {k: digest(v) for k, v in paper_rows.items()},
        "relation": {k: digest(v) for k, v in relation_rows.items()},
    }
    changed = {kind: sorted(k for k, dg in new[kind].items() if old[kind].get(k) != dg) for kind in new}
    gone = {kind: sorted(set(old[kind]) - set(new[kind])) for kind in new}
    papers = [paper_rows[k] for k in changed["paper"]]
    total[0] = (
        len(changed["entity"])
        + len(papers) * 2
        + sum(len(p["mentions"]) + len(p["authors"]) + len(p["categories"]) + len(p["cites"]) for p in papers)
        + len(changed["relation"])
        + sum(len(v) for v in gone.values())
    )
    if not any(changed.values()) and not any(gone.values()):
        return
    w.ensure_schema()

    # nodes first (entities, then papers), so that edge batches can MATCH both ends
    w.unwind(cypher.Q_ENTITIES, (entity_rows[k]["node"] for k in changed["entity"]))
    w.unwind(cypher.Q_PAPERS, (p["node"] for p in papers))
    previously = [{"id": p["node"]["id"]} for p in papers if p["node"]["id"] in old["paper"]]
    w.unwind(cypher.Q_CLEAR_PAPER_EDGES, previously)
    w.unwind(cypher.Q_CLEAR_WROTE, previously)
    w.unwind(cypher.Q_MENTIONS, ({"p": p["node"]["id"], "e": e, "count": n} for p in papers for e, n in p["mentions"]))
    w.unwind(
        cypher.Q_WROTE,
        ({"p": p["node"]["id"], "a": a, "position": i} for p in papers for i, a in enumerate(p["authors"])),
    )
    w.unwind(cypher.Q_IN_CATEGORY, ({"p": p["node"]["id"], "c": c} for p in papers for c in p["categories"]))
    w.unwind(cypher.Q_CITES, ({"p": p["node"]["id"], "q": q, "external": ext} for p in papers for q, ext in p["cites"]))
    for rel_type in REL_TYPES.values():
        w.unwind(
            cypher.q_relation(rel_type),
            (relation_rows[k]["edge"] for k in changed["relation"] if relation_rows[k]["type"] == rel_type),
        )
    # then deletions: relations that vanished, papers and entities that left the catalog, orphaned nodes
    for rel_type in REL_TYPES.values():
        w.unwind(
            cypher.q_delete_relation(rel_type),
            (cypher.relation_key_row(k) for k in gone["relation"] if k.split("\x1f")[1] == rel_type),
        )
    w.unwind(cypher.Q_DELETE_PAPERS, ({"id": k} for k in gone["paper"]))
    w.unwind(cypher.Q_DELETE_ENTITIES, ({"id": k} for k in gone["entity"]))
    if papers or gone["paper"]:
        for statement in cypher.Q_ORPHANS:
            w.write(statement)

    report.entities_pushed, report.papers_pushed = len(changed["entity"]), len(papers)
    report.relations_pushed = len(changed["relation"])
    report.papers_deleted, report.entities_deleted = len(gone["paper"]), len(gone["entity"])
    report.relations_deleted = len(gone["relation"])
    with catalog.transaction():
        for kind in new:
            catalog.set_sync_digests(target, kind, ((k, new[kind][k]) for k in changed[kind]))
            catalog.drop_sync_digests(target, kind, gone[kind])
