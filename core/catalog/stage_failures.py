"""Per-paper failures of later stages (tagger, dense encoder): recorded with the reason, skipped until changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from paperkg.catalog.quarantine import storable
from paperkg.catalog.store import listing, now

STAGES = ("tagger", "dense")  # stages that process papers one by one after ingest


@dataclass(slots=True, frozen=True)
class StageFailure:
    paper_id: str
    stage: str
    reason: str
    failed_at: str


class StageFailuresMixin:
    conn: sqlite3.Connection

    def record_failure(self, stage: str, paper_pk: int, content_hash: str, reason: str) -> None:
        """Call inside a transaction. The paper is skipped by `stage` until its content hash changes."""
        self.conn.execute(
            "INSERT INTO stage_failures (paper_pk, stage, content_hash, reason, failed_at) "
            "SELECT pk, ?, ?, ?, ? FROM papers WHERE pk = ? "
            "ON CONFLICT (paper_pk, stage) DO UPDATE SET content_hash = excluded.content_hash, "
            "reason = excluded.reason, failed_at = excluded.failed_at",
            (stage, content_hash, storable(reason)[:2000], now(), paper_pk),
        )

    def clear_failures(self, stage: str, pks: Iterable[int]) -> None:
        self.conn.executemany(
            "DELETE FROM stage_failures WHERE stage = ? AND paper_pk = ?", [(stage, pk) for pk in pks]
        )

    def failed_pks(self, stage: str) -> set[int]:
        """Papers that failed `stage` with their current text (a changed paper is tried again)."""
        return {
            int(r[0])
            for r in self.conn.execute(
                "SELECT f.paper_pk FROM stage_failures f JOIN papers p ON p.pk = f.paper_pk "
                "WHERE f.stage = ? AND f.content_hash = p.content_hash",
                (stage,),
            )
        }

    def stage_failures(self, stage: str | None = None, limit: int = 1000) -> list[StageFailure]:
        sql, args = listing(
            "SELECT p.id, f.stage, f.reason, f.failed_at FROM stage_failures f JOIN papers p ON p.pk = f.paper_pk",
            "f.failed_at, f.paper_pk",
            limit,
            where="f.content_hash = p.content_hash",
            equal={"f.stage": stage},
        )
        return [StageFailure(*row) for row in self.conn.execute(sql, args)]

    def count_failures(self) -> dict[str, int]:
        """Failed papers per stage, for `stats` ("failed_tagger", "failed_dense", ...)."""
        rows = self.conn.execute(
            "SELECT f.stage, COUNT(*) FROM stage_failures f JOIN papers p ON p.pk = f.paper_pk "
            "WHERE f.content_hash = p.content_hash GROUP BY f.stage"
        )
        counts = {f"failed_{stage}": 0 for stage in STAGES}
        counts.update({f"failed_{stage}": int(n) for stage, n in rows})
        return counts
