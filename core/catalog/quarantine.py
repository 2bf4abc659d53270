"""Quarantined records and ingest checkpoints: what could not be read, and how far each input got."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from paperkg.catalog.store import listing, now


@dataclass(slots=True, frozen=True)
class QuarantineEntry:
    source: str
    location: str
    reason: str
    excerpt: str = ""


def storable(text: str) -> str:
    """Quarantine text as SQLite can store it: the very records kept here hold lone surrogates (from JSON
    escapes or undecodable file names) and NULs, which would make the quarantine write itself fail."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")


class QuarantineMixin:
    conn: sqlite3.Connection

    def quarantine(self, entries: list[QuarantineEntry]) -> int:
        """Record bad records; the same (source, location) twice is stored once. Call inside a transaction."""
        before = self.conn.total_changes
        self.conn.executemany(
            "INSERT INTO quarantine (source, location, reason, excerpt, first_seen) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source, location) DO UPDATE SET reason = excluded.reason, excerpt = excluded.excerpt",
            [
                (storable(e.source), storable(e.location), storable(e.reason), storable(e.excerpt[:500]), now())
                for e in entries
            ],
        )
        return self.conn.total_changes - before

    def quarantined(self, source: str | None = None, limit: int = 1000) -> list[QuarantineEntry]:
        sql, args = listing(
            "SELECT source, location, reason, excerpt FROM quarantine", "pk", limit, equal={"source": source}
        )
        return [QuarantineEntry(*row) for row in self.conn.execute(sql, args)]

    def count_quarantined(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM quarantine").fetchone()[0])

    def checkpoint(self, source: str) -> tuple[str, int, bool] | None:
        row = self.conn.execute(
            "SELECT fingerprint, position, finished FROM checkpoints WHERE source = ?", (source,)
        ).fetchone()
        return (row[0], int(row[1]), bool(row[2])) if row else None

    def set_checkpoint(self, source: str, fingerprint: str, position: int, finished: bool = False) -> None:
        """Advance an input's checkpoint; call in the same transaction as the batch it covers."""
        self.conn.execute(
            "INSERT INTO checkpoints (source, fingerprint, position, finished, updated) VALUES (?, ?, ?, ?, ?) "
            "ON CONFLICT (source) DO UPDATE SET fingerprint = excluded.fingerprint, "
            "position = excluded.position, finished = excluded.finished, updated = excluded.updated",
            (source, fingerprint, position, int(finished), now()),
        )
