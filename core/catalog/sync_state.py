"""Per-target digests of what the graph sync last pushed, so the next sync sends only what changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable


class SyncStateMixin:
    conn: sqlite3.Connection

    def sync_digests(self, target: str, kind: str) -> dict[str, str]:
        return {
            k: d
            for k, d in self.conn.execute(
                "SELECT key, digest FROM sync_state WHERE target = ? AND kind = ?", (target, kind)
            )
        }

    def set_sync_digests(self, target: str, kind: str, items: Iterable[tuple[str, str]]) -> None:
        self.conn.executemany(
            "INSERT INTO sync_state (target, kind, key, digest) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (target, kind, key) DO UPDATE SET digest = excluded.digest",
            [(target, kind, k, d) for k, d in items],
        )

    def drop_sync_digests(self, target: str, kind: str, keys: Iterable[str] | None = None) -> None:
        if keys is None:
            self.conn.execute("DELETE FROM sync_state WHERE target = ? AND kind = ?", (target, kind))
        else:
            self.conn.executemany(
                "DELETE FROM sync_state WHERE target = ? AND kind = ? AND key = ?",
                [(target, kind, k) for k in keys],
            )
