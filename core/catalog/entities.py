"""Canonical entities: mention-to-entity links, acronym definitions and entity lookups."""

from __future__ import annotations

import json
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from paperkg.catalog.annotations import MENTION_COLUMNS, StoredMention
from paperkg.catalog.store import chunks


@dataclass(slots=True)
class EntityRow:
    pk: int
    key: str
    name: str
    type: str
    aliases: list[str]
    mention_count: int
    paper_count: int


def _entity(row: sqlite3.Row) -> EntityRow:
    return EntityRow(
        pk=int(row["pk"]),
        key=row["key"],
        name=row["name"],
        type=row["type"],
        aliases=json.loads(row["aliases"]),
        mention_count=int(row["mention_count"]),
        paper_count=int(row["paper_count"]),
    )


class EntitiesMixin:
    conn: sqlite3.Connection

    # --- resolution input -------------------------------------------------------------------------------
    def papers_with_unresolved_mentions(self) -> list[int]:
        """Papers holding non-Generic mentions that are neither linked to an entity nor skipped."""
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT DISTINCT m.paper_pk FROM mentions m "
                "LEFT JOIN mention_entities l ON l.mention_pk = m.pk "
                "LEFT JOIN mentions_skipped s ON s.mention_pk = m.pk "
                "WHERE m.type != 'Generic' AND l.mention_pk IS NULL AND s.mention_pk IS NULL "
                "ORDER BY m.paper_pk"
            )
        ]

    def mentions_of_papers(self, pks: Sequence[int]) -> list[StoredMention]:
        """Every non-Generic mention of these papers (resolved or not: acronym definitions need them all)."""
        out: list[StoredMention] = []
        for chunk in chunks(pks):
            marks = ", ".join("?" * len(chunk))
            out += [
                StoredMention(*r)
                for r in self.conn.execute(
                    f"SELECT {MENTION_COLUMNS} FROM mentions "
                    f"WHERE paper_pk IN ({marks}) AND type != 'Generic' ORDER BY paper_pk, start",
                    chunk,
                )
            ]
        return out

    def handled_mentions(self, mention_pks: Sequence[int]) -> set[int]:
        """The subset of these mentions already linked to an entity or skipped."""
        out: set[int] = set()
        for chunk in chunks(list(mention_pks), 400):
            marks = ", ".join("?" * len(chunk))
            out |= {
                int(r[0])
                for r in self.conn.execute(
                    f"SELECT mention_pk FROM mention_entities WHERE mention_pk IN ({marks}) "
                    f"UNION SELECT mention_pk FROM mentions_skipped WHERE mention_pk IN ({marks})",
                    chunk + chunk,
                )
            }
        return out

    def paper_texts(self, pks: Sequence[int]) -> dict[int, str]:
        """The text mention offsets point into: title + ". " + abstract (see `Paper.text`)."""
        out: dict[int, str] = {}
        for chunk in chunks(pks):
            marks = ", ".join("?" * len(chunk))
            for pk, title, abstract in self.conn.execute(
                f"SELECT pk, title, abstract FROM papers WHERE pk IN ({marks})", chunk
            ):
                out[int(pk)] = f"{title}. {abstract}".strip() if abstract else title
        return out

    # --- entities and links ----------------------------------------------------------------------------
    def entity_pks_by_key(self, keys: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for chunk in chunks(list(dict.fromkeys(keys))):
            marks = ", ".join("?" * len(chunk))
            for pk, key in self.conn.execute(f"SELECT pk, key FROM entities WHERE key IN ({marks})", chunk):
                out[key] = int(pk)
        return out

    def ensure_entities(self, keys: Iterable[str]) -> dict[str, int]:
        """Entity pk for every key, creating placeholders (name and type are filled by `refresh_entities`)."""
        keys = list(dict.fromkeys(keys))
        self.conn.executemany(
            "INSERT OR IGNORE INTO entities (key, name, type) VALUES (?, ?, '')", [(k, k) for k in keys]
        )
        return self.entity_pks_by_key(keys)

    def link_mentions(self, links: Iterable[tuple[int, int, int]]) -> None:
        """(mention_pk, entity_pk, paper_pk) links; re-linking a mention moves it."""
        self.conn.executemany(
            "INSERT INTO mention_entities (mention_pk, entity_pk, paper_pk) VALUES (?, ?, ?) "
            "ON CONFLICT (mention_pk) DO UPDATE SET entity_pk = excluded.entity_pk",
            list(links),
        )

    def skip_mentions(self, mention_pks: Iterable[int]) -> None:
        self.conn.executemany(
            "INSERT OR IGNORE INTO mentions_skipped (mention_pk) VALUES (?)", [(pk,) for pk in mention_pks]
        )

    def merge_entity(self, source_pk: int, target_pk: int) -> None:
        """Fold one entity into another (an acronym into its long form)."""
        self.conn.execute("UPDATE mention_entities SET entity_pk = ? WHERE entity_pk = ?", (target_pk, source_pk))
        self.conn.execute("DELETE FROM entities WHERE pk = ?", (source_pk,))

    def add_acronyms(self, definitions: Iterable[tuple[str, str]]) -> None:
        """Count one paper defining acronym as long form, per (acronym, long_key) pair given."""
        self.conn.executemany(
            "INSERT INTO acronyms (acronym, long_key, papers) VALUES (?, ?, 1) "
            "ON CONFLICT (acronym, long_key) DO UPDATE SET papers = papers + 1",
            list(definitions),
        )

    def acronym_table(self) -> dict[str, str]:
        """acronym -> its most often defined long form (ties: the alphabetically first)."""
        best: dict[str, str] = {}
        for acro, long_key, _papers in self.conn.execute(
            "SELECT acronym, long_key, papers FROM acronyms ORDER BY acronym, papers DESC, long_key"
        ):
            best.setdefault(acro, long_key)
        return best

    def refresh_entities(
        self, pks: Sequence[int] | None = None, surfaces: Callable[[str], list[str]] | None = None
    ) -> int:
        """Recompute name, majority type, aliases and counts of the given entities (all when None).

        `surfaces` turns a mention's text into the names it contributes (default: the text, whitespace
        collapsed); the resolver passes one that drops stray punctuation and splits "long form (ACRO)".
        Entities left without mentions are deleted. Returns how many entities were deleted.
        """
        if pks is None:
            pks = [int(r[0]) for r in self.conn.execute("SELECT pk FROM entities")]
        deleted = 0
        for chunk in chunks(list(pks), 900):
            marks = ", ".join("?" * len(chunk))
            by_entity: dict[int, Counter[str]] = defaultdict(Counter)
            types: dict[int, Counter[str]] = defaultdict(Counter)
            papers: dict[int, set[int]] = defaultdict(set)
            counts: Counter[int] = Counter()
            for entity_pk, paper_pk, text, typ in self.conn.execute(
                f"SELECT l.entity_pk, l.paper_pk, m.text, m.type FROM mention_entities l "
                f"JOIN mentions m ON m.pk = l.mention_pk WHERE l.entity_pk IN ({marks})",
                chunk,
            ):
                # a mention that gives no name (linked before the resolver dropped such spans) keeps its text
                for form in (surfaces(text) if surfaces else []) or [" ".join(text.split())]:
                    by_entity[entity_pk][form] += 1
                counts[entity_pk] += 1
                types[entity_pk][typ] += 1
                papers[entity_pk].add(paper_pk)
            gone = [pk for pk in chunk if pk not in counts]
            if gone:
                self.conn.executemany("DELETE FROM entities WHERE pk = ?", [(pk,) for pk in gone])
                deleted += len(gone)
            rows, alias_rows = [], []
            for pk, counter in by_entity.items():
                aliases = _distinct_aliases(counter)
                # majority type; ties go to the more specific type (Generic is never linked)
                typ = max(types[pk].items(), key=lambda kv: (kv[1], kv[0] != "OtherScientificTerm", kv[0]))[0]
                rows.append(
                    (
                        _display_name(counter),
                        typ,
                        json.dumps(aliases, ensure_ascii=False),
                        counts[pk],
                        len(papers[pk]),
                        pk,
                    )
                )
                alias_rows += [(a.casefold(), pk) for a in aliases]
            self.conn.executemany(
                "UPDATE entities SET name = ?, type = ?, aliases = ?, mention_count = ?, paper_count = ? WHERE pk = ?",
                rows,
            )
            self.conn.execute(f"DELETE FROM entity_aliases WHERE entity_pk IN ({marks})", chunk)
            self.conn.executemany("INSERT OR IGNORE INTO entity_aliases (alias, entity_pk) VALUES (?, ?)", alias_rows)
        return deleted

    def orphan_entities(self) -> list[int]:
        """Entities whose mentions were all deleted (their paper re-tagged or removed)."""
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT e.pk FROM entities e WHERE NOT EXISTS "
                "(SELECT 1 FROM mention_entities l WHERE l.entity_pk = e.pk)"
            )
        ]

    def stale_entities(self) -> list[int]:
        """Entities whose stored counts no longer match their links (mentions added, removed or moved)."""
        return [
            int(r[0])
            for r in self.conn.execute(
                "SELECT e.pk FROM entities e LEFT JOIN "
                "(SELECT entity_pk, COUNT(*) AS n FROM mention_entities GROUP BY entity_pk) c "
                "ON c.entity_pk = e.pk WHERE COALESCE(c.n, 0) != e.mention_count OR e.type = ''"
            )
        ]

    # --- lookups -----------------------------------------------------------------------------------------
    def count_entities(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM entities").fetchone()[0])

    def get_entity(self, key_or_pk: str | int) -> EntityRow | None:
        if isinstance(key_or_pk, int):
            row = self.conn.execute("SELECT * FROM entities WHERE pk = ?", (key_or_pk,)).fetchone()
        else:
            row = self.conn.execute("SELECT * FROM entities WHERE key = ?", (key_or_pk,)).fetchone()
        return _entity(row) if row else None

    def entities_by_pk(self, pks: Sequence[int]) -> dict[int, EntityRow]:
        out: dict[int, EntityRow] = {}
        for chunk in chunks(list(pks)):
            marks = ", ".join("?" * len(chunk))
            for row in self.conn.execute(f"SELECT * FROM entities WHERE pk IN ({marks})", chunk):
                out[int(row["pk"])] = _entity(row)
        return out

    def entity_by_alias(self, alias: str) -> list[EntityRow]:
        rows = self.conn.execute(
            "SELECT e.* FROM entity_aliases a JOIN entities e ON e.pk = a.entity_pk WHERE a.alias = ? "
            "ORDER BY e.paper_count DESC",
            (alias.casefold(),),
        )
        return [_entity(r) for r in rows]

    def search_entities(self, query: str, limit: int = 20) -> list[EntityRow]:
        """Entities whose key or an alias contains the query (case-insensitive), most papers first."""
        pattern = "%" + query.casefold().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self.conn.execute(
            "SELECT e.* FROM entities e WHERE e.pk IN (SELECT entity_pk FROM entity_aliases "
            "WHERE alias LIKE ? ESCAPE '\\' UNION SELECT pk FROM entities WHERE key LIKE ? ESCAPE '\\') "
            "ORDER BY e.paper_count DESC, e.key LIMIT ?",
            (pattern, pattern, limit),
        )
        return [_entity(r) for r in rows]

    def iter_entities(self) -> Iterator[EntityRow]:
        for row in self.conn.execute("SELECT * FROM entities ORDER BY key"):
            yield _entity(row)


def _distinct_aliases(counter: Counter[str]) -> list[str]:
    """Surface forms deduplicated case-insensitively (most frequent spelling of each), most frequent first."""
    by_fold: dict[str, Counter[str]] = defaultdict(Counter)
    for surface, n in counter.items():
        by_fold[surface.casefold()][surface] += n
    ranked = sorted(
        ((sum(c.values()), max(c.items(), key=lambda kv: (kv[1], kv[0]))[0]) for c in by_fold.values()),
        key=lambda t: (-t[0], t[1]),
    )
    return [surface for _n, surface in ranked]


def _display_name(counter: Counter[str]) -> str:
    """Most frequent surface form, a long form before an acronym (a merged "CNN" shows its long name).

    Among equally frequent forms: lower case first (not a sentence or title capital), then the shortest.
    """
    aliases = _distinct_aliases(counter)
    spelled = [a for a in aliases if " " in a or not (sum(ch.isupper() for ch in a) >= 2)] or aliases
    freq = {a: sum(n for s, n in counter.items() if s.casefold() == a.casefold()) for a in spelled}
    return min(spelled, key=lambda a: (-freq[a], a[:1].isupper(), len(a), a))
