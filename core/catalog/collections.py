"""Collections in the catalog: named lists of papers, the papers dismissed from each, and the feed's new papers."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from paperkg.catalog.citation_match import _find_paper, compact_key, refresh_paper_keys
from paperkg.catalog.store import now
from paperkg.errors import BadInput, CollectionExists, CollectionNotFound, PaperNotFound
from paperkg.records import normalize_id

State = Literal["member", "dismissed"]
NewBy = Literal["added", "published", "either"]
MAX_NAME = 100


@dataclass(slots=True)
class CollectionInfo:
    id: int
    name: str
    created: str
    updated: str
    papers: int = 0
    dismissed: int = 0


@dataclass(slots=True)
class CollectionMembers:
    info: CollectionInfo
    papers: list[tuple[int, str, str, str]]  # (pk, id, title, added), oldest first
    dismissed: list[tuple[int, str, str, str]]


def clean_name(name: str) -> str:
    """A collection name: trimmed, 1-100 characters, no control characters."""
    value = " ".join(str(name).split())
    if not value:
        raise BadInput("a collection name cannot be empty")
    if len(value) > MAX_NAME:
        raise BadInput(f"a collection name has at most {MAX_NAME} characters")
    if any(ord(c) < 32 for c in value):
        raise BadInput("a collection name cannot hold control characters")
    return value


class CollectionsMixin:
    conn: sqlite3.Connection

    # --- collections -------------------------------------------------------------------------------------
    def create_collection(self, name: str) -> CollectionInfo:
        name = clean_name(name)
        stamp = now()
        try:
            cur = self.conn.execute(
                "INSERT INTO collections (name, created, updated) VALUES (?, ?, ?)", (name, stamp, stamp)
            )
        except sqlite3.IntegrityError:
            raise CollectionExists(f"a collection named {name!r} exists already") from None
        return CollectionInfo(int(cur.lastrowid), name, stamp, stamp)

    def collection(self, ref: str | int) -> CollectionInfo:
        """A collection by integer id or by name; CollectionNotFound otherwise."""
        if isinstance(ref, int):
            where, arg = "c.pk = ?", ref
        else:
            where, arg = "c.name = ?", " ".join(str(ref).split())
        row = self.conn.execute(
            "SELECT c.pk, c.name, c.created, c.updated, "
            "(SELECT COUNT(*) FROM collection_papers m WHERE m.collection_pk = c.pk AND m.state = 'member'), "
            "(SELECT COUNT(*) FROM collection_papers m WHERE m.collection_pk = c.pk AND m.state = 'dismissed') "
            f"FROM collections c WHERE {where}",
            (arg,),
        ).fetchone()
        if row is None:
            raise CollectionNotFound(f"unknown collection {ref!r}")
        return CollectionInfo(int(row[0]), row[1], row[2], row[3], int(row[4]), int(row[5]))

    def list_collections(self) -> list[CollectionInfo]:
        rows = self.conn.execute(
            "SELECT c.pk, c.name, c.created, c.updated, "
            "SUM(m.state = 'member'), SUM(m.state = 'dismissed') "
            "FROM collections c LEFT JOIN collection_papers m ON m.collection_pk = c.pk "
            "GROUP BY c.pk ORDER BY c.name COLLATE NOCASE, c.pk"
        ).fetchall()
        return [CollectionInfo(int(r[0]), r[1], r[2], r[3], int(r[4] or 0), int(r[5] or 0)) for r in rows]

    def rename_collection(self, ref: str | int, new_name: str) -> CollectionInfo:
        info = self.collection(ref)
        new_name = clean_name(new_name)
        try:
            self.conn.execute("UPDATE collections SET name = ?, updated = ? WHERE pk = ?", (new_name, now(), info.id))
        except sqlite3.IntegrityError:
            raise CollectionExists(f"a collection named {new_name!r} exists already") from None
        return self.collection(info.id)

    def delete_collection(self, ref: str | int) -> CollectionInfo:
        info = self.collection(ref)
        self.conn.execute("DELETE FROM collections WHERE pk = ?", (info.id,))
        return info

    # --- membership --------------------------------------------------------------------------------------
    def resolve_paper_ids(self, paper_ids: Iterable[str]) -> list[int]:
        """Paper keys for ids (arXiv ids normalised); PaperNotFound naming every unknown id."""
        pks, unknown = [], []
        for raw in paper_ids:
            pid = normalize_id(raw)
            row = self.conn.execute("SELECT pk FROM papers WHERE id = ?", (pid,)).fetchone()
            pk = int(row[0]) if row else self.resolve_alias(pid)  # type: ignore[attr-defined]  # merged duplicates
            if pk is None:
                unknown.append(raw)
            elif pk not in pks:
                pks.append(pk)
        if unknown:
            raise PaperNotFound(f"unknown paper id {', '.join(repr(u) for u in unknown)}")
        return pks

    def set_collection_state(self, ref: str | int, paper_ids: Sequence[str], state: State) -> int:
        """Add papers to a collection (`member`) or mark them not relevant (`dismissed`); a paper holds one
        state at a time. All ids are checked first: an unknown id changes nothing. Returns papers changed."""
        info = self.collection(ref)
        pks = self.resolve_paper_ids(paper_ids)
        stamp = now()
        changed = 0
        for pk in pks:
            cur = self.conn.execute(
                "INSERT INTO collection_papers (collection_pk, paper_pk, state, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection_pk, paper_pk) DO UPDATE SET state = excluded.state, "
                "added = excluded.added WHERE collection_papers.state != excluded.state",
                (info.id, pk, state, stamp),
            )
            changed += cur.rowcount
        if changed:
            self.conn.execute("UPDATE collections SET updated = ? WHERE pk = ?", (stamp, info.id))
        return changed

    def remove_from_collection(self, ref: str | int, paper_ids: Sequence[str]) -> int:
        """Forget papers in a collection, members or dismissed. Returns how many were there."""
        info = self.collection(ref)
        pks = self.resolve_paper_ids(paper_ids)
        removed = 0
        for pk in pks:
            cur = self.conn.execute(
                "DELETE FROM collection_papers WHERE collection_pk = ? AND paper_pk = ?", (info.id, pk)
            )
            removed += cur.rowcount
        if removed:
            self.conn.execute("UPDATE collections SET updated = ? WHERE pk = ?", (now(), info.id))
        return removed

    def collection_members(self, ref: str | int) -> CollectionMembers:
        info = self.collection(ref)
        rows = self.conn.execute(
            "SELECT m.state, p.pk, p.id, p.title, m.added FROM collection_papers m "
            "JOIN papers p ON p.pk = m.paper_pk WHERE m.collection_pk = ? ORDER BY m.added, m.rowid",
            (info.id,),
        ).fetchall()
        members = [(int(r[1]), r[2], r[3], r[4]) for r in rows if r[0] == "member"]
        dismissed = [(int(r[1]), r[2], r[3], r[4]) for r in rows if r[0] == "dismissed"]
        return CollectionMembers(info, members, dismissed)

    def move_collection_memberships(self, from_pk: int, to_pk: int) -> int:
        """For merging duplicate papers: memberships of `from_pk` move to `to_pk` (a membership beats a
        dismissal when the collection holds both). Call inside a transaction."""
        moved = 0
        for coll, state, added in self.conn.execute(
            "SELECT collection_pk, state, added FROM collection_papers WHERE paper_pk = ?", (from_pk,)
        ).fetchall():
            cur = self.conn.execute(
                "INSERT INTO collection_papers (collection_pk, paper_pk, state, added) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (collection_pk, paper_pk) DO UPDATE SET state = 'member' "
                "WHERE excluded.state = 'member'",
                (coll, to_pk, state, added),
            )
            moved += cur.rowcount
        self.conn.execute("DELETE FROM collection_papers WHERE paper_pk = ?", (from_pk,))
        return moved

    # --- the feed's candidates and import matching -------------------------------------------------------
    def new_paper_pks(self, since: str, by: NewBy = "either") -> set[int]:
        """Papers added to the catalog (`added`), first published (`published`) or either on or after `since`
        (an ISO date): the candidates of a feed."""
        clauses = {
            "added": "first_seen >= ?",
            "published": "submitted >= ?",
            "either": "first_seen >= ? OR submitted >= ?",
        }
        if by not in clauses:
            raise BadInput(f"by must be added, published or either, not {by!r}")
        args = (since, since) if by == "either" else (since,)
        return {int(r[0]) for r in self.conn.execute(f"SELECT pk FROM papers WHERE {clauses[by]}", args)}

    def paper_pks_by_doi(self, dois: Iterable[str]) -> dict[str, int]:
        """Lower-case DOI -> paper key, for the DOIs that name a catalog paper."""
        out: dict[str, int] = {}
        for doi in {d.lower() for d in dois if d}:
            row = self.conn.execute(
                "SELECT pk FROM papers WHERE doi = ? COLLATE NOCASE ORDER BY pk LIMIT 1", (doi,)
            ).fetchone()
            if row:
                out[doi] = int(row[0])
        return out

    def refresh_match_keys(self) -> None:
        """Bring the papers' DOI and title keys up to date (a write: call inside a transaction)."""
        refresh_paper_keys(self.conn, new_only=False)

    def match_reference(
        self, *, arxiv_id: str | None, doi: str | None, title: str | None, year: int | None = None
    ) -> tuple[int, str] | None:
        """(paper pk, how) for a bibliography entry: by arXiv id, then DOI, then (fuzzy) title; None if no
        paper fits. Call `refresh_match_keys()` once before a batch of these."""
        return _find_paper(self.conn, -1, arxiv_id, doi.lower() if doi else None, compact_key(title), year)
