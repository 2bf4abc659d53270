"""Citations (CITES edges, matched to catalog papers or kept as external keys) and PDF full-text passages."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from paperkg.catalog.citation_match import (
    TITLE_MIN_CHARS,
    compact_key,
    mark_papers_matched,
    match_forward,
    match_reverse,
    refresh_paper_keys,
    title_key,
    unmatched_papers,
)

PASSAGE_WORDS = 200  # ~ the 256-token window of the packaged MiniLM encoder
PASSAGE_OVERLAP = 50


@dataclass(slots=True)
class CitationRow:
    """One reference of a citing paper; `cited_pk`/`cited_id` set when it matched a catalog paper."""

    citing_pk: int
    citing_id: str
    position: int
    raw: str
    arxiv_id: str | None
    doi: str | None
    title: str | None
    authors: list[str]
    year: int | None
    cited_pk: int | None
    cited_id: str | None
    external_key: str
    match: str | None  # "arxiv", "doi", "title" or None

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__slots__}  # type: ignore[attr-defined]


@dataclass(slots=True)
class PassageRow:
    pk: int
    paper_pk: int
    position: int
    section: str
    text: str


def external_key(ref: Mapping[str, Any]) -> str:
    """Stable key of the cited work, shared by every paper citing it: arXiv id, else DOI, title, raw."""
    if ref.get("arxiv_id"):
        return f"arxiv:{ref['arxiv_id']}"
    if ref.get("doi"):
        return f"doi:{str(ref['doi']).lower()}"
    key = title_key(ref.get("title"))
    if len(key) >= TITLE_MIN_CHARS and len(key.split()) >= 3:
        return f"title:{key.replace(' ', '')}"  # compact: "SciB- ERT" and "SciBERT" are one work
    raw = title_key(ref.get("raw", ""))
    return f"raw:{hashlib.sha1(raw.encode()).hexdigest()[:16]}"


def split_passages(sections: list[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(heading, text) windows of ~PASSAGE_WORDS words overlapping by PASSAGE_OVERLAP, per section."""
    out: list[tuple[str, str]] = []
    step = PASSAGE_WORDS - PASSAGE_OVERLAP
    for section in sections:
        words = str(section.get("text", "")).split()
        heading = str(section.get("heading", ""))
        if not words:
            continue
        start = 0
        while True:
            out.append((heading, " ".join(words[start : start + PASSAGE_WORDS])))
            if start + PASSAGE_WORDS >= len(words):
                break
            start += step
    return out


_CITATION_SELECT = (
    "SELECT c.*, a.id AS citing_id, b.id AS cited_id FROM citations c "
    "JOIN papers a ON a.pk = c.citing_pk LEFT JOIN papers b ON b.pk = c.cited_pk"
)


def _citation(row: sqlite3.Row) -> CitationRow:
    return CitationRow(
        citing_pk=int(row["citing_pk"]),
        citing_id=row["citing_id"],
        position=int(row["position"]),
        raw=row["raw"],
        arxiv_id=row["arxiv_id"],
        doi=row["doi"],
        title=row["title"],
        authors=json.loads(row["authors"]),
        year=row["year"],
        cited_pk=row["cited_pk"],
        cited_id=row["cited_id"],
        external_key=row["external_key"],
        match=row["match"],
    )


class CitationsMixin:
    conn: sqlite3.Connection

    # --- writing ----------------------------------------------------------------------------------------
    def store_fulltext(self, paper_pk: int, fulltext: Mapping[str, Any]) -> None:
        """Replace a paper's references and passages with those of `fulltext` ({"sections", "references"}).

        References are matched at once (arXiv id, DOI, title) against the papers the catalog held at the last
        `match_citations()`; that call also links references to papers ingested later. Call inside a
        transaction.
        """
        self.conn.execute("DELETE FROM citations WHERE citing_pk = ?", (paper_pk,))
        self.conn.execute("DELETE FROM passages WHERE paper_pk = ?", (paper_pk,))
        rows = []
        for position, ref in enumerate(fulltext.get("references") or []):
            year = ref.get("year")
            key = compact_key(ref.get("title"))
            rows.append(
                (
                    paper_pk,
                    position,
                    str(ref.get("raw", ""))[:4000],
                    ref.get("arxiv_id"),
                    (ref.get("doi") or None) and str(ref["doi"]).lower(),
                    ref.get("title"),
                    json.dumps(list(ref.get("authors") or []), ensure_ascii=False),
                    int(year) if isinstance(year, int) or (isinstance(year, str) and year.isdigit()) else None,
                    external_key(ref),
                    key,
                    key[::-1],
                )
            )
        self.conn.executemany(
            "INSERT INTO citations (citing_pk, position, raw, arxiv_id, doi, title, authors, year, "
            "external_key, title_key, title_rkey) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        sections = list(fulltext.get("sections") or [])
        self.conn.executemany(
            "INSERT INTO passages (paper_pk, position, section, text) VALUES (?, ?, ?, ?)",
            [(paper_pk, i, heading, text) for i, (heading, text) in enumerate(split_passages(sections))],
        )
        refresh_paper_keys(self.conn, new_only=True)  # papers of this same ingest batch
        match_forward(self.conn, "citing_pk = ?", (paper_pk,))

    def match_citations(self) -> dict[str, int]:
        """Link unmatched citations to catalog papers: arXiv id, then DOI, then normalized (fuzzy) title.

        Catches what `store_fulltext` could not: references to papers ingested (or changed) since, and
        citations stored before match keys existed. Cost follows what changed, not the catalog size.
        Returns {"arxiv", "doi", "title", "unmatched", "total"} (the first three: matches made by this call).
        A deleted cited paper turns its citations back into external ones (ON DELETE SET NULL). Call inside
        a transaction.
        """
        refresh_paper_keys(self.conn)
        counts: Counter[str] = match_forward(self.conn, "tried = 0")
        fresh = unmatched_papers(self.conn)
        if len(fresh) > self._count_unmatched():
            # a first run over a big catalog: cheaper to look every unmatched citation up than every paper
            self.conn.execute("UPDATE citations SET tried = 0 WHERE cited_pk IS NULL")
            counts += match_forward(self.conn, "tried = 0")
        elif fresh:
            counts += match_reverse(self.conn, fresh)
        mark_papers_matched(self.conn)
        return {
            "arxiv": counts["arxiv"],
            "doi": counts["doi"],
            "title": counts["title"],
            "unmatched": self._count_unmatched(),
            "total": self.count_citations(),
        }

    def _count_unmatched(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM citations WHERE cited_pk IS NULL").fetchone()[0])

    # --- reading ----------------------------------------------------------------------------------------
    def citations_of(self, paper_pk: int) -> list[CitationRow]:
        """The reference list of a paper, in order, each with its match (if any)."""
        rows = self.conn.execute(f"{_CITATION_SELECT} WHERE c.citing_pk = ? ORDER BY c.position", (paper_pk,))
        return [_citation(r) for r in rows]

    def cited_by(self, paper_pk: int) -> list[CitationRow]:
        """Citations pointing at a catalog paper (one row per citing paper and reference position)."""
        rows = self.conn.execute(
            f"{_CITATION_SELECT} WHERE c.cited_pk = ? ORDER BY c.citing_pk, c.position", (paper_pk,)
        )
        return [_citation(r) for r in rows]

    def cited_by_external(self, key: str) -> list[int]:
        """Papers citing an external (not in the catalog) work, by its external key."""
        rows = self.conn.execute(
            "SELECT DISTINCT citing_pk FROM citations WHERE external_key = ? AND cited_pk IS NULL ORDER BY 1",
            (key,),
        )
        return [int(r[0]) for r in rows]

    def iter_citation_edges(self) -> Iterator[tuple[int, int | None, str | None]]:
        """(citing_pk, cited_pk, None) for matched citations, (citing_pk, None, external_key) for the others.

        One edge per distinct cited work: a work listed twice in one reference list is one edge.
        """
        rows = self.conn.execute(
            "SELECT DISTINCT citing_pk, cited_pk, CASE WHEN cited_pk IS NULL THEN external_key END "
            "FROM citations ORDER BY citing_pk"
        )
        for citing, cited, key in rows:
            yield int(citing), (int(cited) if cited is not None else None), key

    def passages_of(self, paper_pk: int) -> list[PassageRow]:
        rows = self.conn.execute(
            "SELECT pk, paper_pk, position, section, text FROM passages WHERE paper_pk = ? ORDER BY position",
            (paper_pk,),
        )
        return [PassageRow(*r) for r in rows]

    def iter_passages(self, batch: int = 1000) -> Iterator[PassageRow]:
        """Every passage in pk order, streamed in pages (for building a passage index)."""
        last = 0
        while True:
            rows = self.conn.execute(
                "SELECT pk, paper_pk, position, section, text FROM passages WHERE pk > ? ORDER BY pk LIMIT ?",
                (last, batch),
            ).fetchall()
            if not rows:
                return
            yield from (PassageRow(*r) for r in rows)
            last = int(rows[-1][0])

    def count_citations(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM citations").fetchone()[0])

    def count_passages(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM passages").fetchone()[0])
