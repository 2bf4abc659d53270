"""What a reader yields: one record's outcome (a paper, a deletion, or a reason to quarantine) and where it was."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from paperkg.records import Paper


@dataclass(slots=True)
class Item:
    """One record read from an input. Exactly one of `paper`, `deleted_id`, `error` is set."""

    location: str  # "line 12", "byte 3456", "record 3", "page 2"
    paper: Paper | None = None
    deleted_id: str | None = None  # OAI-PMH deleted record
    error: str | None = None  # why the record was quarantined
    excerpt: str = ""
    # full text of a PDF: {"sections": [...], "references": [...]}; stored by the catalog next to the paper
    fulltext: dict[str, Any] | None = field(default=None)

    @classmethod
    def bad(cls, location: str, reason: str, excerpt: str | bytes = "") -> Item:
        if isinstance(excerpt, bytes):
            excerpt = excerpt[:300].decode("utf-8", "replace")
        return cls(location=location, error=reason, excerpt=excerpt[:300])
