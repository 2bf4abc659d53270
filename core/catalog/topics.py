"""Catalog side of predicted categories: labelled papers to learn from, and predictions kept apart from given ones."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PredictedCategory:
    category: str
    rank: int
    confidence: float
    model: str


class TopicsMixin:
    conn: sqlite3.Connection

    def labelled_papers(self) -> list[tuple[int, str]]:
        """(pk, primary category) of every paper with given categories (arXiv lists the primary first)."""
        rows = self.conn.execute("SELECT pk, categories FROM papers WHERE categories != '[]' ORDER BY pk")
        out = []
        for pk, cats in rows:
            cats = json.loads(cats)
            if cats:
                out.append((int(pk), str(cats[0])))
        return out

    def unlabelled_papers(self, *, stale_only: bool = False) -> list[tuple[int, str]]:
        """(pk, content_hash) of papers without given categories; with `stale_only`, only those whose
        prediction is missing or was made from another version of the paper."""
        sql = "SELECT p.pk, p.content_hash FROM papers p WHERE p.categories = '[]'"
        if stale_only:
            sql += (
                " AND NOT EXISTS (SELECT 1 FROM predicted_categories c WHERE c.paper_pk = p.pk "
                "AND c.content_hash = p.content_hash)"
            )
        return [(int(r[0]), r[1]) for r in self.conn.execute(sql + " ORDER BY p.pk")]

    def store_predictions(self, rows: Iterable[tuple[int, str, list[tuple[str, float]]]], model: str) -> int:
        """Replace the predictions of each (pk, content_hash, [(category, confidence), ...best first])."""
        n = 0
        with self.transaction():  # type: ignore[attr-defined]
            for pk, digest, ranked in rows:
                self.conn.execute("DELETE FROM predicted_categories WHERE paper_pk = ?", (pk,))
                self.conn.executemany(
                    "INSERT INTO predicted_categories (paper_pk, category, rank, confidence, model, content_hash) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    [(pk, c, i + 1, float(p), model, digest) for i, (c, p) in enumerate(ranked)],
                )
                n += 1
            # predictions of papers that have since been given categories are no longer needed
            self.conn.execute(
                "DELETE FROM predicted_categories WHERE paper_pk IN (SELECT pk FROM papers WHERE categories != '[]')"
            )
        return n

    def predictions_of(self, pks: Sequence[int]) -> dict[int, list[PredictedCategory]]:
        out: dict[int, list[PredictedCategory]] = {}
        for start in range(0, len(pks), 500):
            chunk = list(pks[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            try:
                rows = self.conn.execute(
                    f"SELECT paper_pk, category, rank, confidence, model FROM predicted_categories "
                    f"WHERE paper_pk IN ({marks}) ORDER BY paper_pk, rank",
                    chunk,
                ).fetchall()
            except sqlite3.OperationalError:  # a read-only catalog older than migration 0008
                return out
            for pk, cat, rank, conf, model in rows:
                out.setdefault(int(pk), []).append(PredictedCategory(cat, int(rank), float(conf), model))
        return out

    def count_predicted(self) -> int:
        try:
            return int(self.conn.execute("SELECT COUNT(DISTINCT paper_pk) FROM predicted_categories").fetchone()[0])
        except sqlite3.OperationalError:
            return 0
