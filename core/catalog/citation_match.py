"""Matching references to catalog papers by arXiv id, DOI, then title, through indexed keys.

Titles match on an exact normalized key first, then by rapidfuzz over the few papers sharing the key's first
or last characters: index lookups, so the cost follows what changed, not the size of the catalog.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

TITLE_FUZZY_MIN = 92.0  # rapidfuzz ratio on compact title keys; below this different papers start to match
TITLE_MIN_CHARS = 20  # shorter titles ("Attention", "BERT") match by accident; they need an id
AFFIX = 12  # fuzzy candidates share the first or the last AFFIX characters of the compact title key
MAX_CANDIDATES = 200


_DROP = re.compile(r"[-‐‑‒–'’`´]")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def title_key(title: str | None) -> str:
    """Normalized title: accents, case, hyphens and punctuation removed, spaces collapsed."""
    if not title:
        return ""
    if not title.isascii():  # most titles are ASCII: skip the per-character accent stripping
        title = "".join(c for c in unicodedata.normalize("NFKD", title) if not unicodedata.combining(c))
    return " ".join(_NON_ALNUM.sub(" ", _DROP.sub("", title.lower())).split())


def compact_key(title: str | None) -> str:
    """title_key without spaces: line-break artefacts ("SciB- ERT", "Bhagavat- ula") do not change it."""
    return title_key(title).replace(" ", "")


def refresh_paper_keys(conn: sqlite3.Connection, *, new_only: bool = False) -> None:
    """Compute match keys of papers added (and, unless `new_only`, changed) since the last refresh.

    `new_only` looks at papers above the highest keyed pk only: an index range, cheap enough for every PDF.
    """
    if new_only:
        sql = (
            "SELECT pk, title, doi, content_hash FROM papers "
            "WHERE pk > (SELECT COALESCE(MAX(paper_pk), 0) FROM paper_match_keys)"
        )
    else:
        sql = (
            "SELECT p.pk, p.title, p.doi, p.content_hash FROM papers p "
            "LEFT JOIN paper_match_keys k ON k.paper_pk = p.pk "
            "WHERE k.paper_pk IS NULL OR k.content_hash != p.content_hash"
        )
    values = []
    for pk, title, doi, digest in conn.execute(sql).fetchall():
        key = compact_key(title)
        values.append((int(pk), digest, doi.lower() if doi else None, key, key[::-1]))
    conn.executemany(
        "INSERT INTO paper_match_keys (paper_pk, content_hash, doi, title_key, title_rkey, matched) "
        "VALUES (?, ?, ?, ?, ?, 0) "
        "ON CONFLICT (paper_pk) DO UPDATE SET content_hash = excluded.content_hash, doi = excluded.doi, "
        "title_key = excluded.title_key, title_rkey = excluded.title_rkey, matched = 0",
        values,
    )


def unmatched_papers(conn: sqlite3.Connection) -> list[int]:
    """Papers keyed since the last reverse pass: citations stored earlier have not met them yet."""
    return [int(r[0]) for r in conn.execute("SELECT paper_pk FROM paper_match_keys WHERE matched = 0")]


def mark_papers_matched(conn: sqlite3.Connection) -> None:
    conn.execute("UPDATE paper_match_keys SET matched = 1 WHERE matched = 0")


def match_forward(conn: sqlite3.Connection, where: str, args: Sequence[object] = ()) -> Counter[str]:
    """Match the unmatched citations selected by `where` against every paper, then mark them tried."""
    rows = conn.execute(
        "SELECT pk, citing_pk, arxiv_id, doi, title, title_key, year FROM citations "
        f"WHERE cited_pk IS NULL AND ({where})",
        tuple(args),
    ).fetchall()
    counts: Counter[str] = Counter()
    updates = []
    for pk, citing, arxiv_id, doi, title, key, year in rows:
        if key is None:  # stored before match keys existed
            key = compact_key(title)
            conn.execute("UPDATE citations SET title_key = ?, title_rkey = ? WHERE pk = ?", (key, key[::-1], pk))
        hit = _find_paper(conn, int(citing), arxiv_id, doi, key, year)
        if hit is not None:
            updates.append((hit[0], hit[1], pk))
            counts[hit[1]] += 1
    conn.executemany("UPDATE citations SET cited_pk = ?, match = ? WHERE pk = ?", updates)
    conn.execute(f"UPDATE citations SET tried = 1 WHERE tried = 0 AND ({where})", tuple(args))
    return counts


def _find_paper(
    conn: sqlite3.Connection, citing: int, arxiv_id: str | None, doi: str | None, key: str, year: int | None
) -> tuple[int, str] | None:
    if arxiv_id:
        row = conn.execute("SELECT pk FROM papers WHERE id = ? AND pk != ?", (arxiv_id, citing)).fetchone()
        if row:
            return int(row[0]), "arxiv"
    if doi:
        row = conn.execute(
            "SELECT paper_pk FROM paper_match_keys WHERE doi = ? AND paper_pk != ? ORDER BY paper_pk LIMIT 1",
            (doi, citing),
        ).fetchone()
        if row:
            return int(row[0]), "doi"
    if len(key) < TITLE_MIN_CHARS:
        return None
    exact = conn.execute(
        "SELECT k.paper_pk, p.year FROM paper_match_keys k JOIN papers p ON p.pk = k.paper_pk "
        "WHERE k.title_key = ? AND k.paper_pk != ?",
        (key, citing),
    ).fetchall()
    if exact:
        return _prefer_year([(int(pk), y) for pk, y in exact], year), "title"
    candidates = conn.execute(
        "SELECT k.paper_pk, k.title_key, p.year FROM paper_match_keys k JOIN papers p ON p.pk = k.paper_pk "
        "WHERE k.paper_pk IN (SELECT paper_pk FROM paper_match_keys WHERE title_key >= ? AND title_key < ? "
        "LIMIT ?) OR k.paper_pk IN (SELECT paper_pk FROM paper_match_keys WHERE title_rkey >= ? "
        "AND title_rkey < ? LIMIT ?)",
        (*_affix_range(key), MAX_CANDIDATES, *_affix_range(key[::-1]), MAX_CANDIDATES),
    ).fetchall()
    best = _best_fuzzy(key, [(int(pk), k, y) for pk, k, y in candidates if int(pk) != citing], year)
    return (best, "title") if best is not None else None


def match_reverse(conn: sqlite3.Connection, paper_pks: Iterable[int]) -> Counter[str]:
    """Match already-tried unmatched citations against papers that are new or changed (ingested later)."""
    counts: Counter[str] = Counter()
    pks = list(paper_pks)
    papers = []
    for start in range(0, len(pks), 500):
        chunk = pks[start : start + 500]
        marks = ", ".join("?" * len(chunk))
        papers += conn.execute(
            "SELECT p.pk, p.id, p.year, k.doi, k.title_key FROM papers p "
            f"JOIN paper_match_keys k ON k.paper_pk = p.pk WHERE p.pk IN ({marks})",
            chunk,
        ).fetchall()
    # one kind of evidence at a time over all papers, so an id match is never pre-empted by a fuzzy title
    for how in ("arxiv", "doi", "title", "fuzzy"):
        for pk, paper_id, _year, doi, key in papers:
            if how == "arxiv":
                sql, args = "arxiv_id = ?", (paper_id,)
            elif how == "doi" and doi:
                sql, args = "doi = ?", (doi,)
            elif how == "title" and len(key) >= TITLE_MIN_CHARS:
                sql, args = "title_key = ?", (key,)
            else:
                continue
            cur = conn.execute(
                "UPDATE citations SET cited_pk = ?, match = ? "
                f"WHERE cited_pk IS NULL AND tried = 1 AND {sql} "
                "AND citing_pk != ?",
                (pk, how, *args, pk),
            )
            counts[how] += cur.rowcount
        if how != "fuzzy":
            continue
        for pk, _paper_id, _year, _doi, key in papers:
            if len(key) < TITLE_MIN_CHARS:
                continue
            rows = conn.execute(
                "SELECT pk, title_key, year FROM citations WHERE cited_pk IS NULL AND tried = 1 "
                "AND citing_pk != ? "
                "AND (pk IN (SELECT pk FROM citations WHERE title_key >= ? AND title_key < ? LIMIT ?) "
                "OR pk IN (SELECT pk FROM citations WHERE title_rkey >= ? AND title_rkey < ? LIMIT ?))",
                (pk, *_affix_range(key), MAX_CANDIDATES, *_affix_range(key[::-1]), MAX_CANDIDATES),
            ).fetchall()
            from rapidfuzz import fuzz

            hits = [c for c, k, y in rows if k and _close(key, k) and fuzz.ratio(key, k) >= TITLE_FUZZY_MIN]
            for citation in hits:
                conn.execute("UPDATE citations SET cited_pk = ?, match = 'title' WHERE pk = ?", (pk, citation))
            counts["title"] += len(hits)
    counts["title"] += counts.pop("fuzzy", 0)
    return counts


def _affix_range(key: str) -> tuple[str, str]:
    prefix = key[:AFFIX]
    return prefix, prefix + "{"  # keys hold [0-9a-z] only and "{" sorts after "z"


def _close(a: str, b: str) -> bool:
    return abs(len(a) - len(b)) <= 0.2 * len(a)


def _best_fuzzy(key: str, candidates: list[tuple[int, str, int | None]], year: int | None) -> int | None:
    from rapidfuzz import fuzz

    scored = [(fuzz.ratio(key, k), pk, y) for pk, k, y in candidates if _close(key, k)]
    good = [(s, pk, y) for s, pk, y in scored if s >= TITLE_FUZZY_MIN]
    if not good:
        return None
    best = max(s for s, _, _ in good)
    return _prefer_year([(pk, y) for s, pk, y in good if s == best], year)


def _prefer_year(hits: list[tuple[int, int | None]], year: int | None) -> int:
    """Among equally good papers, one published within a year of the reference, else the oldest pk."""
    if year is not None:
        close = [pk for pk, y in hits if y is not None and abs(y - year) <= 1]
        if close:
            return min(close)
    return min(pk for pk, _ in hits)
