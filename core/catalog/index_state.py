"""Which version of each paper an index holds, so only new or changed papers are re-embedded."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


class IndexStateMixin:
    conn: sqlite3.Connection

    def index_diff(self, name: str, present: Iterable[int] | None = None) -> tuple[list[int], list[int]]:
        """(papers to (re)index, stale keys to drop) for the named index, comparing content hashes.

        With `present` (the ids the published index really holds) the answer is also reconciled by id set:
        a paper marked indexed but missing from the index is re-indexed, an id in the index that the catalog
        no longer has is dropped. Marks alone can lie (a writer killed, or two writers racing)."""
        if present is None:
            todo = [
                int(r[0])
                for r in self.conn.execute(
                    "SELECT p.pk FROM papers p LEFT JOIN index_state s ON s.name = ? AND s.paper_pk = p.pk "
                    "WHERE s.content_hash IS NULL OR s.content_hash != p.content_hash ORDER BY p.pk",
                    (name,),
                )
            ]
            gone = [
                int(r[0])
                for r in self.conn.execute(
                    "SELECT s.paper_pk FROM index_state s LEFT JOIN papers p ON p.pk = s.paper_pk "
                    "WHERE s.name = ? AND p.pk IS NULL",
                    (name,),
                )
            ]
            return todo, gone
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _present (pk INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM _present")
        self.conn.executemany("INSERT OR IGNORE INTO _present (pk) VALUES (?)", ((int(pk),) for pk in present))
        todo = [
            int(r[0])
            for r in self.conn.execute(
                "SELECT p.pk FROM papers p LEFT JOIN index_state s ON s.name = ? AND s.paper_pk = p.pk "
                "LEFT JOIN _present x ON x.pk = p.pk "
                "WHERE s.content_hash IS NULL OR s.content_hash != p.content_hash OR x.pk IS NULL ORDER BY p.pk",
                (name,),
            )
        ]
        gone = sorted(
            {
                int(r[0])
                for r in self.conn.execute(
                    "SELECT x.pk FROM _present x LEFT JOIN papers p ON p.pk = x.pk WHERE p.pk IS NULL"
                )
            }
            | {
                int(r[0])
                for r in self.conn.execute(
                    "SELECT s.paper_pk FROM index_state s LEFT JOIN papers p ON p.pk = s.paper_pk "
                    "WHERE s.name = ? AND p.pk IS NULL",
                    (name,),
                )
            }
        )
        self.conn.execute("DELETE FROM _present")
        return todo, gone

    def index_pending(self, name: str) -> bool:
        """Does any paper lack an up-to-date mark for the named index (or any mark point nowhere)? A scan of
        every paper when none does (~0.9 s per 500k), kept like `catalog_digest` while nothing changed."""

        def scan() -> bool:
            row = self.conn.execute(
                "SELECT EXISTS (SELECT 1 FROM papers p LEFT JOIN index_state s ON s.name = ? AND s.paper_pk = p.pk "
                "WHERE s.content_hash IS NULL OR s.content_hash != p.content_hash) OR EXISTS (SELECT 1 FROM "
                "index_state s LEFT JOIN papers p ON p.pk = s.paper_pk WHERE s.name = ? AND p.pk IS NULL)",
                (name, name),
            ).fetchone()
            return bool(row[0])

        return self._kept(("index_pending", name), scan)

    def catalog_digest(self) -> str:
        """One hash of every (paper key, content hash): equal digests mean the same papers with the same text.
        An index stores the digest it was built from, so a stale one is found without trusting any mark.
        Reading every row costs ~1 s per 500k papers: kept while nothing changed (`_kept`)."""

        def scan() -> str:
            h = hashlib.sha256()
            for pk, digest in self.conn.execute("SELECT pk, content_hash FROM papers ORDER BY pk"):
                h.update(f"{pk}:{digest};".encode())
            return h.hexdigest()[:32]

        return self._kept(("catalog_digest",), scan)

    def _kept(self, key: tuple, compute: Callable[[], T]) -> T:
        """`compute()`'s answer, kept per connection until the catalog may have changed: `PRAGMA data_version`
        moves when another connection (any process) commits, `total_changes` when this one writes (rolled-back
        and temp-table writes too, which only cost a needless recompute)."""
        token = (int(self.conn.execute("PRAGMA data_version").fetchone()[0]), self.conn.total_changes)
        kept: dict[tuple, tuple[tuple[int, int], object]] | None = getattr(self, "_kept_answers", None)
        if kept is None:
            kept = self._kept_answers = {}
        hit = kept.get(key)
        if hit is not None and hit[0] == token:
            return hit[1]  # type: ignore[return-value]
        value = compute()
        kept[key] = (token, value)
        return value

    def paper_pks(self) -> list[int]:
        return [int(r[0]) for r in self.conn.execute("SELECT pk FROM papers ORDER BY pk")]

    def mark_indexed(self, name: str, pks: Iterable[int]) -> None:
        pks = list(pks)
        self.conn.execute("CREATE TEMP TABLE IF NOT EXISTS _marks (pk INTEGER PRIMARY KEY)")
        self.conn.execute("DELETE FROM _marks")
        self.conn.executemany("INSERT OR IGNORE INTO _marks (pk) VALUES (?)", [(pk,) for pk in pks])
        self.conn.execute(
            "INSERT INTO index_state (name, paper_pk, content_hash) "
            "SELECT ?, p.pk, p.content_hash FROM papers p JOIN _marks m ON m.pk = p.pk "
            "ON CONFLICT (name, paper_pk) DO UPDATE SET content_hash = excluded.content_hash",
            (name,),
        )

    def mark_indexed_hashes(self, name: str, pairs: Iterable[tuple[int, str]]) -> None:
        """Mark papers indexed at the content hash that was actually read (not whatever the catalog holds
        now): a paper changed meanwhile keeps a stale mark and is indexed again next time."""
        self.conn.executemany(
            "INSERT INTO index_state (name, paper_pk, content_hash) SELECT ?, pk, ? FROM papers WHERE pk = ? "
            "ON CONFLICT (name, paper_pk) DO UPDATE SET content_hash = excluded.content_hash",
            [(name, h, pk) for pk, h in pairs],
        )

    def forget_indexed(self, name: str, pks: Iterable[int] | None = None) -> None:
        if pks is None:
            self.conn.execute("DELETE FROM index_state WHERE name = ?", (name,))
        else:
            self.conn.executemany("DELETE FROM index_state WHERE name = ? AND paper_pk = ?", [(name, pk) for pk in pks])

    def hashes(self, pks: list[int]) -> dict[int, str]:
        out = {}
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for pk, h in self.conn.execute(f"SELECT pk, content_hash FROM papers WHERE pk IN ({marks})", chunk):
                out[int(pk)] = h
        return out
