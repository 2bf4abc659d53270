"""Which version of each paper an index holds, so only new or changed papers are re-embedded."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


class IndexStateMixin:
    conn: sqlite3.Connection

    def index_diff(self, name: str) -> tuple[list[int], list[int]]:
        """(papers to (re)index, stale keys to drop) for the named index, comparing content hashes."""
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

    def forget_indexed(self, name: str, pks: Iterable[int] | None = None) -> None:
        if pks is None:
            self.conn.execute("DELETE FROM index_state WHERE name = ?", (name,))
        else:
            self.conn.executemany(
                "DELETE FROM index_state WHERE name = ? AND paper_pk = ?", [(name, pk) for pk in pks]
            )

    def hashes(self, pks: list[int]) -> dict[int, str]:
        out = {}
        for start in range(0, len(pks), 500):
            chunk = pks[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            for pk, h in self.conn.execute(f"SELECT pk, content_hash FROM papers WHERE pk IN ({marks})", chunk):
                out[int(pk)] = h
        return out
