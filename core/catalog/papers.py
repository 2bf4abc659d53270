"""Papers in the catalog: idempotent upsert by id and content hash, lookups, filters and counts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field

from paperkg.catalog.store import now
from paperkg.records import Paper

_COLUMNS = (
    "id, title, abstract, authors, categories, submitted, updated, year, doi, journal_ref, license, "
    "comments, versions, latest_version, source, content_hash"
)


@dataclass(slots=True)
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    changed_pks: list[int] = field(default_factory=list)

    def add(self, other: UpsertCounts) -> None:
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.changed_pks.extend(other.changed_pks)


def _row_values(p: Paper, digest: str) -> tuple:
    return (
        p.id,
        p.title,
        p.abstract,
        json.dumps(p.authors, ensure_ascii=False),
        json.dumps(p.categories),
        p.submitted,
        p.updated,
        p.year,
        p.doi,
        p.journal_ref,
        p.license,
        p.comments,
        json.dumps(p.versions),
        p.latest_version,
        p.source,
        digest,
    )


def row_to_paper(row: sqlite3.Row) -> Paper:
    return Paper(
        id=row["id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=json.loads(row["authors"]),
        categories=json.loads(row["categories"]),
        submitted=row["submitted"],
        updated=row["updated"],
        doi=row["doi"],
        journal_ref=row["journal_ref"],
        license=row["license"],
        comments=row["comments"],
        versions=json.loads(row["versions"]),
        source=row["source"],
    )


class PapersMixin:
    conn: sqlite3.Connection

    def upsert_papers(self, papers: Iterable[Paper]) -> UpsertCounts:
        """Insert new papers, update changed ones, skip unchanged or older versions and ids merged into another
        paper. Call inside a transaction."""
        counts = UpsertCounts()
        stamp = now()
        merged = self.has_aliases()  # type: ignore[attr-defined]
        for p in papers:
            digest = p.content_hash()
            row = self.conn.execute(
                "SELECT pk, content_hash, latest_version FROM papers WHERE id = ?", (p.id,)
            ).fetchone()
            if row is None and merged and self.resolve_alias(p.id) is not None:  # type: ignore[attr-defined]
                # merged into another paper (`paperkg duplicates --merge`), which stands for it from then on:
                # a later dump or a changed PDF carrying the old id must not bring the duplicate back
                counts.unchanged += 1
                continue
            if row is None:
                cur = self.conn.execute(
                    f"INSERT INTO papers ({_COLUMNS}, first_seen, last_changed) VALUES ({', '.join('?' * 16)}, ?, ?)",
                    (*_row_values(p, digest), stamp, stamp),
                )
                pk = int(cur.lastrowid)
                counts.new += 1
            elif row["content_hash"] == digest or p.latest_version < row["latest_version"]:
                # same content, or an older version of a paper we already hold: the latest version wins
                counts.unchanged += 1
                continue
            else:
                pk = int(row["pk"])
                assignments = ", ".join(f"{c.strip()} = ?" for c in _COLUMNS.split(","))
                self.conn.execute(
                    f"UPDATE papers SET {assignments}, last_changed = ? WHERE pk = ?",
                    (*_row_values(p, digest), stamp, pk),
                )
                self.conn.execute("DELETE FROM paper_authors WHERE paper_pk = ?", (pk,))
                self.conn.execute("DELETE FROM paper_categories WHERE paper_pk = ?", (pk,))
                counts.updated += 1
            self.conn.executemany(
                "INSERT INTO paper_authors (paper_pk, position, name) VALUES (?, ?, ?)",
                [(pk, i, name) for i, name in enumerate(p.authors)],
            )
            self.conn.executemany(
                "INSERT OR IGNORE INTO paper_categories (paper_pk, category) VALUES (?, ?)",
                [(pk, c) for c in p.categories],
            )
            counts.changed_pks.append(pk)
        return counts

    def delete_paper(self, paper_id: str) -> bool:
        cur = self.conn.execute("DELETE FROM papers WHERE id = ?", (paper_id,))
        return cur.rowcount > 0

    def get_paper(self, paper_id: str) -> Paper | None:
        """The paper with this id, or the one it was merged into (`paperkg duplicates --merge`)."""
        row = self.conn.execute("SELECT * FROM papers WHERE id = ?", (paper_id,)).fetchone()
        if row is None and (pk := self.resolve_alias(paper_id)) is not None:  # type: ignore[attr-defined]
            row = self.conn.execute("SELECT * FROM papers WHERE pk = ?", (pk,)).fetchone()
        return row_to_paper(row) if row else None

    def paper_pk(self, paper_id: str) -> int | None:
        row = self.conn.execute("SELECT pk FROM papers WHERE id = ?", (paper_id,)).fetchone()
        return int(row[0]) if row else self.resolve_alias(paper_id)  # type: ignore[attr-defined]

    def papers_by_pk(self, pks: Sequence[int]) -> dict[int, Paper]:
        out: dict[int, Paper] = {}
        for start in range(0, len(pks), 500):
            chunk = list(pks[start : start + 500])
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT * FROM papers WHERE pk IN ({marks})", chunk):
                out[int(row["pk"])] = row_to_paper(row)
        return out

    def iter_papers(self, batch: int = 1000) -> Iterator[tuple[int, str, Paper]]:
        """(pk, content_hash, paper) for every paper, in pk order, streaming in pages."""
        last = 0
        while True:
            rows = self.conn.execute("SELECT * FROM papers WHERE pk > ? ORDER BY pk LIMIT ?", (last, batch)).fetchall()
            if not rows:
                return
            for row in rows:
                yield int(row["pk"]), row["content_hash"], row_to_paper(row)
            last = int(rows[-1]["pk"])

    def pks_matching(
        self, *, category: str | None = None, since: int | None = None, predicted: bool = False
    ) -> set[int] | None:
        """Paper keys passing the filters, or None when no filter is set. A category ("cs.CL" exactly, "cs" for
        every cs.*) matches given categories; with `predicted`, also papers whose top predicted category it is."""
        from paperkg.catalog.trends import category_filter

        if category is None and since is None:
            return None
        cond, args = category_filter(category, predicted)
        if since is not None:
            cond += " AND p.year >= ?"
            args.append(since)
        return {int(r[0]) for r in self.conn.execute(f"SELECT p.pk FROM papers p WHERE {cond}", args)}

    def count_papers(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0])
