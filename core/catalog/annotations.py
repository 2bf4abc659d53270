"""Tagger output in the catalog: each paper's mentions and relations, and which paper version was tagged."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol


class MentionLike(Protocol):
    start: int
    end: int
    text: str
    type: str
    score: float
    sentence: int


class RelationLike(Protocol):
    head: int  # index into the mentions passed alongside
    tail: int
    type: str
    score: float
    sentence: int


# the column order of StoredMention and StoredRelation, for `Stored...(*row)`
MENTION_COLUMNS = "pk, paper_pk, start, end, text, type, score, sentence"
RELATION_COLUMNS = "pk, paper_pk, head_mention, tail_mention, type, score, sentence"


@dataclass(slots=True, frozen=True)
class StoredMention:
    pk: int
    paper_pk: int
    start: int
    end: int
    text: str
    type: str
    score: float
    sentence: int


@dataclass(slots=True, frozen=True)
class StoredRelation:
    pk: int
    paper_pk: int
    head: int  # mention pk
    tail: int
    type: str
    score: float
    sentence: int


class AnnotationsMixin:
    conn: sqlite3.Connection

    def tag_diff(self, *, model: str | None = None) -> list[int]:
        """Keys of papers never tagged or changed since tagging (with `model`: or tagged by another)."""
        sql = (
            "SELECT p.pk FROM papers p LEFT JOIN tag_state s ON s.paper_pk = p.pk "
            "WHERE s.content_hash IS NULL OR s.content_hash != p.content_hash"
        )
        args: list[str] = []
        if model is not None:
            sql += " OR s.model != ?"
            args.append(model)
        return [int(r[0]) for r in self.conn.execute(sql + " ORDER BY p.pk", args)]

    def replace_annotations(
        self,
        paper_pk: int,
        content_hash: str,
        model: str,
        mentions: Sequence[MentionLike],
        relations: Iterable[RelationLike],
    ) -> tuple[int, int]:
        """Swap a paper's mentions and relations for new ones and record the tagged version.

        Call inside a transaction so readers never see a half-tagged paper.
        Returns the numbers of mentions and relations written.
        """
        self.conn.execute("DELETE FROM relations WHERE paper_pk = ?", (paper_pk,))
        self.conn.execute("DELETE FROM mentions WHERE paper_pk = ?", (paper_pk,))
        pks = []
        for m in mentions:
            cur = self.conn.execute(
                "INSERT INTO mentions (paper_pk, start, end, text, type, score, sentence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (paper_pk, int(m.start), int(m.end), m.text, m.type, float(m.score), int(m.sentence)),
            )
            pks.append(int(cur.lastrowid))
        rows = [(paper_pk, pks[r.head], pks[r.tail], r.type, float(r.score), int(r.sentence)) for r in relations]
        self.conn.executemany(
            "INSERT INTO relations (paper_pk, head_mention, tail_mention, type, score, sentence) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.execute(
            "INSERT INTO tag_state (paper_pk, content_hash, model) VALUES (?, ?, ?) "
            "ON CONFLICT (paper_pk) DO UPDATE SET "
            "content_hash = excluded.content_hash, model = excluded.model",
            (paper_pk, content_hash, model),
        )
        return len(pks), len(rows)

    def mentions_of(self, paper_pk: int) -> list[StoredMention]:
        sql = f"SELECT {MENTION_COLUMNS} FROM mentions WHERE paper_pk = ? ORDER BY start, end, pk"
        return [StoredMention(*row) for row in self.conn.execute(sql, (paper_pk,))]

    def relations_of(self, paper_pk: int) -> list[StoredRelation]:
        sql = f"SELECT {RELATION_COLUMNS} FROM relations WHERE paper_pk = ? ORDER BY pk"
        return [StoredRelation(*row) for row in self.conn.execute(sql, (paper_pk,))]

    def tag_state_of(self, paper_pk: int) -> tuple[str, str] | None:
        """(content_hash, model) of the tagged version of a paper, or None if it was never tagged."""
        row = self.conn.execute("SELECT content_hash, model FROM tag_state WHERE paper_pk = ?", (paper_pk,)).fetchone()
        return (row[0], row[1]) if row else None

    def forget_tags(self, pks: Iterable[int] | None = None) -> None:
        """Drop tagger output (all of it, or for the given papers) so the next run re-tags."""
        rows = None if pks is None else [(pk,) for pk in pks]
        for table in ("relations", "mentions", "tag_state"):  # table names are these literals
            if rows is None:
                self.conn.execute(f"DELETE FROM {table}")
            else:
                self.conn.executemany(f"DELETE FROM {table} WHERE paper_pk = ?", rows)

    def count_mentions(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM mentions").fetchone()[0])

    def count_relations(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM relations").fetchone()[0])
