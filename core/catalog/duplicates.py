"""Catalog side of duplicate papers: grouping papers by shared keys, merging one paper into another, and
resolving merged ids (aliases)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from paperkg.catalog.store import now

# Rows that describe the dropped paper itself (rebuilt or meaningless for the kept one): deleted with it.
_OWN_ROWS = {
    "paper_authors",
    "paper_categories",
    "index_state",
    "tag_state",
    "paper_match_keys",
    "predicted_categories",
}
# Tables merge_papers moves by hand (partly), before the generic pass.
_HANDLED = {
    "papers",
    "citations",
    "passages",
    "mentions",
    "mention_entities",
    "relations",
    "paper_aliases",
    "collection_papers",
}


class DuplicatesMixin:
    conn: sqlite3.Connection

    def key_groups(
        self,
        keys_of: Callable[[str | None, str], Iterable[str]],
        max_size: int,
        on_rows: Callable[[int], object] | None = None,
    ) -> Iterator[list[int]]:
        """Groups of 2 to `max_size` paper pks sharing a key, where `keys_of(doi, title)` gives each paper's
        keys. Ids, DOIs and titles stream in pages; the keys go to a temporary table (SQLite's temp store, so
        a read-only catalog works too) and are grouped there: memory stays flat however large the catalog.
        `on_rows(n)` is told of each page read (a progress bar)."""
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS paper_keys (key TEXT NOT NULL, pk INTEGER NOT NULL)")
        conn.execute("DELETE FROM temp.paper_keys")
        try:
            last = 0
            while rows := conn.execute(
                "SELECT pk, doi, title FROM papers WHERE pk > ? ORDER BY pk LIMIT 5000", (last,)
            ).fetchall():
                conn.executemany(
                    "INSERT INTO temp.paper_keys (key, pk) VALUES (?, ?)",
                    [(key, pk) for pk, doi, title in rows for key in keys_of(doi, title)],
                )
                last = int(rows[-1][0])
                if on_rows is not None:
                    on_rows(len(rows))
            groups = conn.execute(
                "SELECT group_concat(pk) FROM temp.paper_keys GROUP BY key HAVING COUNT(*) BETWEEN 2 AND ?",
                (max_size,),
            ).fetchall()
        finally:
            conn.execute("DROP TABLE IF EXISTS temp.paper_keys")
        for (members,) in groups:
            yield sorted({int(x) for x in members.split(",")})

    def has_aliases(self) -> bool:
        """Was any paper ever merged into another? (One row read: lets callers skip per-id alias lookups.)"""
        try:
            return self.conn.execute("SELECT 1 FROM paper_aliases LIMIT 1").fetchone() is not None
        except sqlite3.OperationalError:  # a read-only catalog older than migration 0008
            return False

    def resolve_alias(self, paper_id: str) -> int | None:
        """The kept paper's pk when `paper_id` was merged into another paper, else None."""
        try:
            row = self.conn.execute("SELECT paper_pk FROM paper_aliases WHERE alias = ?", (paper_id,)).fetchone()
        except sqlite3.OperationalError:  # a read-only catalog older than migration 0008
            return None
        return int(row[0]) if row else None

    def aliases_of(self, paper_pk: int) -> list[str]:
        try:
            rows = self.conn.execute("SELECT alias FROM paper_aliases WHERE paper_pk = ? ORDER BY alias", (paper_pk,))
            return [r[0] for r in rows]
        except sqlite3.OperationalError:
            return []

    def _paper_refs(self) -> list[tuple[str, str]]:
        """(table, column) of every column holding a foreign key to papers(pk), found from the schema, so
        tables added by later migrations (collections, ...) move with a merge without being named here."""
        out = []
        tables = [r[0] for r in self.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            for fk in self.conn.execute(f"PRAGMA foreign_key_list({_quote(table)})"):
                if fk["table"] == "papers" and (fk["to"] in (None, "pk")):
                    out.append((table, fk["from"]))
        return out

    def merge_papers(self, keep_pk: int, drop_pk: int, evidence: dict[str, Any]) -> dict[str, int]:
        """Merge `drop_pk` into `keep_pk` in one transaction; the dropped id becomes an alias of the kept one.

        Citations to the dropped paper point to the kept one; its reference list and full-text passages move
        when the kept paper has none; its entity mentions move for entities the kept paper does not mention
        (all of them when the kept paper is untagged); every other row referring to it (collection
        memberships, ...) moves unless the kept paper already has the same row. Returns counts of what moved.
        """
        if keep_pk == drop_pk:
            raise ValueError("a paper cannot be merged into itself")
        moved: dict[str, int] = {}
        with self.transaction():  # type: ignore[attr-defined]
            drop = self.conn.execute("SELECT id, doi, journal_ref FROM papers WHERE pk = ?", (drop_pk,)).fetchone()
            keep = self.conn.execute("SELECT id, doi, journal_ref FROM papers WHERE pk = ?", (keep_pk,)).fetchone()
            if drop is None or keep is None:
                raise KeyError(drop_pk if drop is None else keep_pk)
            cur = self.conn.execute(
                "UPDATE citations SET cited_pk = ? WHERE cited_pk = ? AND citing_pk != ?", (keep_pk, drop_pk, keep_pk)
            )
            moved["citations_in"] = cur.rowcount
            if not self._has(self.conn, "citations", "citing_pk", keep_pk):
                cur = self.conn.execute("UPDATE citations SET citing_pk = ? WHERE citing_pk = ?", (keep_pk, drop_pk))
                moved["references"] = cur.rowcount
            if not self._has(self.conn, "passages", "paper_pk", keep_pk):
                cur = self.conn.execute("UPDATE passages SET paper_pk = ? WHERE paper_pk = ?", (keep_pk, drop_pk))
                moved["passages"] = cur.rowcount
            moved["mentions"] = self._move_mentions(keep_pk, drop_pk)
            if hasattr(self, "move_collection_memberships"):  # a membership beats a dismissal (collections.py)
                moved["collection_papers"] = self.move_collection_memberships(drop_pk, keep_pk)
            for table, column in self._paper_refs():
                if table in _HANDLED or table in _OWN_ROWS:
                    continue
                cur = self.conn.execute(
                    f"UPDATE OR IGNORE {_quote(table)} SET {_quote(column)} = ? WHERE {_quote(column)} = ?",
                    (keep_pk, drop_pk),
                )
                if cur.rowcount:
                    moved[table] = moved.get(table, 0) + cur.rowcount
            # a publisher PDF often carries the DOI its arXiv record lacks: keep it, so DOI lookups still match
            if not keep["doi"] and drop["doi"]:
                self.conn.execute("UPDATE papers SET doi = ? WHERE pk = ?", (drop["doi"], keep_pk))
                self.conn.execute(
                    "UPDATE paper_match_keys SET doi = ? WHERE paper_pk = ?", (drop["doi"].lower(), keep_pk)
                )
            if not keep["journal_ref"] and drop["journal_ref"]:
                self.conn.execute("UPDATE papers SET journal_ref = ? WHERE pk = ?", (drop["journal_ref"], keep_pk))
            self.conn.execute("UPDATE paper_aliases SET paper_pk = ? WHERE paper_pk = ?", (keep_pk, drop_pk))
            self.conn.execute(
                "INSERT OR REPLACE INTO paper_aliases (alias, paper_pk, evidence, merged) VALUES (?, ?, ?, ?)",
                (drop["id"], keep_pk, json.dumps(evidence, sort_keys=True), now()),
            )
            self.conn.execute("DELETE FROM papers WHERE pk = ?", (drop_pk,))
        return moved

    def _move_mentions(self, keep_pk: int, drop_pk: int) -> int:
        kept_untagged = not self._has(self.conn, "mentions", "paper_pk", keep_pk)
        if kept_untagged:
            ids = [r[0] for r in self.conn.execute("SELECT pk FROM mentions WHERE paper_pk = ?", (drop_pk,))]
        else:
            ids = [
                r[0]
                for r in self.conn.execute(
                    "SELECT me.mention_pk FROM mention_entities me WHERE me.paper_pk = ? AND me.entity_pk NOT IN "
                    "(SELECT entity_pk FROM mention_entities WHERE paper_pk = ?)",
                    (drop_pk, keep_pk),
                )
            ]
        if not ids:
            return 0
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS merge_mentions (pk INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM merge_mentions")
        self.conn.executemany("INSERT INTO merge_mentions (pk) VALUES (?)", [(i,) for i in ids])
        # offsets of moved mentions refer to the dropped paper's text: entities, not spans, are what moves
        self.conn.execute("UPDATE mentions SET paper_pk = ? WHERE pk IN (SELECT pk FROM merge_mentions)", (keep_pk,))
        self.conn.execute(
            "UPDATE mention_entities SET paper_pk = ? WHERE mention_pk IN (SELECT pk FROM merge_mentions)", (keep_pk,)
        )
        self.conn.execute(
            "UPDATE relations SET paper_pk = ? WHERE paper_pk = ? AND head_mention IN (SELECT pk FROM merge_mentions) "
            "AND tail_mention IN (SELECT pk FROM merge_mentions)",
            (keep_pk, drop_pk),
        )
        return len(ids)

    @staticmethod
    def _has(conn: sqlite3.Connection, table: str, column: str, pk: int) -> bool:
        return conn.execute(f"SELECT 1 FROM {table} WHERE {column} = ? LIMIT 1", (pk,)).fetchone() is not None

    def entities_of_paper(self, paper_pk: int) -> list[int]:
        rows = self.conn.execute("SELECT DISTINCT entity_pk FROM mention_entities WHERE paper_pk = ?", (paper_pk,))
        return [int(r[0]) for r in rows]


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
