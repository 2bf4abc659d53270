"""Size limits and text hygiene for one record: what a paper may hold before it goes to the quarantine."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING

from paperkg.errors import BadRecord

if TYPE_CHECKING:
    from paperkg.records import Paper
    from paperkg.settings import Settings

# NUL and lone UTF-16 surrogates are not text: SQLite truncates at NUL in some clients, and a surrogate cannot be
# encoded as UTF-8 at all (the batch write fails). Policy: such a record is quarantined, never silently repaired,
# so the source file can be fixed; the reason names the field and the character.
_NOT_TEXT = re.compile("[\x00\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class RecordLimits:
    """Defaults sit far above real arXiv metadata (titles < 400 chars, abstracts < 2,000, the largest author
    lists ~3,000 names) and far below what breaks later stages (spaCy refuses texts over 1,000,000 chars)."""

    max_id_chars: int = 200  # the API serves ids up to 200 characters (api/app.py MAX_ID)
    max_title_chars: int = 2_000
    max_abstract_chars: int = 100_000
    max_authors: int = 10_000
    max_author_chars: int = 500
    max_field_chars: int = 10_000  # doi, journal_ref, license, comments, each category and version
    max_line_bytes: int = 8 << 20  # one JSON line; longer lines are skipped without being read whole

    @classmethod
    def from_settings(cls, settings: Settings) -> RecordLimits:
        return cls(**{name: getattr(settings, name) for name in cls.__dataclass_fields__})


DEFAULT_LIMITS = RecordLimits()
_current: ContextVar[RecordLimits] = ContextVar("paperkg_record_limits", default=DEFAULT_LIMITS)


def current_limits() -> RecordLimits:
    return _current.get()


@contextmanager
def using_limits(limits: RecordLimits) -> Iterator[None]:
    """Readers deep in a generator see these limits without every signature carrying them."""
    token = _current.set(limits)
    try:
        yield
    finally:
        _current.reset(token)


def _check_text(value: str, field: str, limit: int, setting: str) -> None:
    if len(value) > limit:
        raise BadRecord(f"{len(value):,} characters, over the limit {setting}={limit:,}", field=field)
    if m := _NOT_TEXT.search(value):
        what = "a NUL character" if m.group() == "\x00" else f"a lone surrogate U+{ord(m.group()):04X}"
        raise BadRecord(f"contains {what} at character {m.start()}", field=field)


_ID_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def check_paper(paper: Paper, limits: RecordLimits | None = None) -> Paper:
    """Raise BadRecord naming the field and the limit when a paper is too large or holds non-text."""
    lim = limits or current_limits()
    _check_text(paper.id, "id", lim.max_id_chars, "max_id_chars")
    if _ID_CONTROL.search(paper.id):
        raise BadRecord("contains a control character", field="id")
    _check_text(paper.title, "title", lim.max_title_chars, "max_title_chars")
    _check_text(paper.abstract, "abstract", lim.max_abstract_chars, "max_abstract_chars")
    if len(paper.authors) > lim.max_authors:
        raise BadRecord(
            f"{len(paper.authors):,} names, over the limit max_authors={lim.max_authors:,}", field="authors"
        )
    for name in paper.authors:
        _check_text(name, "authors", lim.max_author_chars, "max_author_chars")
    for field in ("doi", "journal_ref", "license", "comments", "submitted", "updated", "source"):
        value = getattr(paper, field)
        if value is not None:
            _check_text(value, field, lim.max_field_chars, "max_field_chars")
    for field in ("categories", "versions"):
        values = getattr(paper, field)
        if len(values) > lim.max_authors:
            raise BadRecord(f"{len(values):,} entries, over the limit max_authors={lim.max_authors:,}", field=field)
        for value in values:
            _check_text(value, field, lim.max_field_chars, "max_field_chars")
    return paper
