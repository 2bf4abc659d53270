"""Citations (CITES edges, matched to catalog papers or kept as external keys) and PDF full-text passages."""

from __future__ import annotations

import hashlib
import json
import re
import sqlite3
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

PASSAGE_WORDS = 200  # ~ the 256-token window of the packaged MiniLM encoder
PASSAGE_OVERLAP = 50
TITLE_FUZZY_MIN = 92.0  # rapidfuzz ratio on normalized titles; below this different papers start to match
TITLE_MIN_CHARS = 20  # shorter titles ("Attention", "BERT") match by accident; they need an id


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


def title_key(title: str | None) -> str:
    """Normalized title for matching: accents, case, hyphens and punctuation removed, spaces collapsed."""
    if not title:
        return ""
    text = unicodedata.normalize("NFKD", title)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[-‐‑‒–'’`´]", "", text)
    return " ".join(re.sub(r"[^0-9a-z]+", " ", text).split())


def external_key(ref: Mapping[str, Any]) -> str:
    """Stable key of the cited work, shared by every paper citing it: arXiv id, else DOI, title, raw."""
    if ref.get("arxiv_id"):
        return f"arxiv:{ref['arxiv_id']}"
    if ref.get("doi"):
        return f"doi:{str(ref['doi']).lower()}"
    key = title_key(ref.get("title"))
    if len(key) >= TITLE_MIN_CHARS and len(key.split()) >= 3:
        return f"title:{key}"
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

        References are matched to the catalog by arXiv id and DOI right away; title matching (and matching
        papers ingested later) is `match_citations()`. Call inside a transaction.
        """
        self.conn.execute("DELETE FROM citations WHERE citing_pk = ?", (paper_pk,))
        self.conn.execute("DELETE FROM passages WHERE paper_pk = ?", (paper_pk,))
        rows = []
        for position, ref in enumerate(fulltext.get("references") or []):
            year = ref.get("year")
            rows.append(
                (
                    paper_pk,
                    position,
                    str(ref.get("raw", ""))[:4000],
                    ref.get("arxiv_id"),
                    (ref.get("doi") or None) and str(ref["doi"]).lower(),
                    ref.get("title"),
                    json.dumps(list(ref.get("authors") or []), ensure_ascii=False),
                    int(year)
                    if isinstance(year, int) or (isinstance(year, str) and year.isdigit())
                    else None,
                    external_key(ref),
                )
            )
        self.conn.executemany(
            "INSERT INTO citations (citing_pk, position, raw, arxiv_id, doi, title, authors, year, "
            "external_key) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        self.conn.executemany(
            "INSERT INTO passages (paper_pk, position, section, text) VALUES (?, ?, ?, ?)",
            [
                (paper_pk, i, heading, text)
                for i, (heading, text) in enumerate(split_passages(list(fulltext.get("sections") or [])))
            ],
        )
        self._match_by_ids("c.citing_pk = ?", (paper_pk,))

    def _match_by_ids(self, where: str, args: tuple[Any, ...]) -> dict[str, int]:
        """Unmatched citations whose arXiv id is a paper id, or whose DOI is a paper's DOI (any case)."""
        before = self.conn.total_changes
        self.conn.execute(
            "UPDATE citations AS c SET cited_pk = p.pk, match = 'arxiv' FROM papers p "
            "WHERE c.cited_pk IS NULL AND c.arxiv_id IS NOT NULL AND p.id = c.arxiv_id "
            "AND p.pk != c.citing_pk "
            f"AND {where}",
            args,
        )
        arxiv = self.conn.total_changes - before
        pending = self.conn.execute(
            "SELECT c.pk, c.doi, c.citing_pk FROM citations c "
            "WHERE c.cited_pk IS NULL AND c.doi IS NOT NULL "
            f"AND {where}",
            args,
        ).fetchall()
        doi = 0
        for pk, value, citing in pending:
            hit = self.conn.execute(
                "SELECT pk FROM papers WHERE doi = ? COLLATE NOCASE AND pk != ? ORDER BY pk LIMIT 1",
                (value, citing),
            ).fetchone()
            if hit:
                self.conn.execute(
                    "UPDATE citations SET cited_pk = ?, match = 'doi' WHERE pk = ?", (hit[0], pk)
                )
                doi += 1
        return {"arxiv": arxiv, "doi": doi}

    def match_citations(self) -> dict[str, int]:
        """Match every still-unmatched citation: arXiv id, then DOI, then normalized (fuzzy) title.

        Returns counts {"arxiv", "doi", "title", "unmatched", "total"}. Earlier matches stay;
        a deleted cited paper turns its citations back into external ones (ON DELETE SET NULL). Call inside a
        transaction; run after ingest so references to papers added later get linked too.
        """
        counts = {"arxiv": 0, "doi": 0, "title": 0}
        counts.update(self._match_by_ids("1 = 1", ()))
        pending = self.conn.execute(
            "SELECT pk, citing_pk, title, year FROM citations WHERE cited_pk IS NULL AND title IS NOT NULL"
        ).fetchall()
        pending = [r for r in pending if len(title_key(r["title"])) >= TITLE_MIN_CHARS]
        if pending:
            index = _TitleIndex(self.conn)
            for row in pending:
                hit = index.find(row["title"], row["year"], exclude=int(row["citing_pk"]))
                if hit is not None:
                    self.conn.execute(
                        "UPDATE citations SET cited_pk = ?, match = 'title' WHERE pk = ?", (hit, row["pk"])
                    )
                    counts["title"] += 1
        counts["unmatched"] = int(
            self.conn.execute("SELECT COUNT(*) FROM citations WHERE cited_pk IS NULL").fetchone()[0]
        )
        counts["total"] = self.count_citations()
        return counts

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


class _TitleIndex:
    """Catalog titles for one matching pass: exact normalized title first, then rapidfuzz over papers
    sharing a rare word with the reference title (so a large catalog is not scanned once per reference)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.exact: dict[str, list[tuple[int, int | None]]] = defaultdict(list)
        self.keys: dict[int, str] = {}
        self.years: dict[int, int | None] = {}
        self.postings: dict[str, list[int]] = defaultdict(list)
        for pk, title, year in conn.execute("SELECT pk, title, year FROM papers"):
            key = title_key(title)
            if not key:
                continue
            self.exact[key].append((int(pk), year))
            self.keys[int(pk)] = key
            self.years[int(pk)] = year
            for word in set(key.split()):
                if len(word) >= 4:
                    self.postings[word].append(int(pk))
        self.df = Counter({w: len(p) for w, p in self.postings.items()})

    def find(self, title: str, year: int | None, exclude: int) -> int | None:
        key = title_key(title)
        hits = [(pk, y) for pk, y in self.exact.get(key, []) if pk != exclude]
        if hits:
            return _prefer_year(hits, year)
        from rapidfuzz import fuzz

        words = sorted({w for w in key.split() if w in self.df}, key=lambda w: self.df[w])[:3]
        candidates = {pk for w in words for pk in self.postings[w][:5000]} - {exclude}
        scored = [
            (fuzz.ratio(key, self.keys[pk]), pk)
            for pk in candidates
            if abs(len(self.keys[pk]) - len(key)) <= 0.2 * len(key)
        ]
        good = [(s, pk) for s, pk in scored if s >= TITLE_FUZZY_MIN]
        if not good:
            return None
        best = max(s for s, _ in good)
        return _prefer_year([(pk, self.years[pk]) for s, pk in good if s == best], year)


def _prefer_year(hits: list[tuple[int, int | None]], year: int | None) -> int:
    if year is not None:
        close = [pk for pk, y in hits if y is not None and abs(y - year) <= 1]
        if close:
            return min(close)
    return min(pk for pk, _ in hits)
