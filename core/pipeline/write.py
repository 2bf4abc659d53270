"""One record through the pipeline (the API's POST /papers): validate, upsert, match citations, update the indexes."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from paperkg.catalog import Catalog
from paperkg.settings import Settings

if TYPE_CHECKING:
    from paperkg.index.build import IndexSummary

Status = Literal["new", "updated", "unchanged"]

# one writer at a time per process: the index update reads the catalog diff, then publishes a new version
_write_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class WriteSummary:
    """The paper's normalized id, what the catalog did with it, and what the index update did."""

    id: str
    status: Status
    index: IndexSummary | None = None  # None: no update was needed, or it was deferred
    deferred: bool = False  # another writer holds the home's lock; it indexes this paper before it finishes


def write_record(catalog: Catalog, settings: Settings, record: dict[str, Any]) -> WriteSummary:
    """Validate one record as `paperkg ingest` does (BadRecord names the field), upsert it, match citations,
    then update the indexes incrementally without waiting for another writer."""
    from paperkg.index.sync import needs_sync, sync_indexes
    from paperkg.ingest.json_records import from_json
    from paperkg.limits import RecordLimits, using_limits

    with using_limits(RecordLimits.from_settings(settings)):  # the same size limits as `paperkg ingest`
        paper = from_json(record)  # BadRecord (limits, NUL, lone surrogates included)
    with _write_lock:
        with catalog.transaction():
            counts = catalog.upsert_papers([paper])
            if counts.new or counts.updated:
                catalog.match_citations()
        status: Status = "new" if counts.new else "updated" if counts.updated else "unchanged"
        # an unchanged paper may still be missing from an index (a writer killed earlier): repair it then
        if status == "unchanged" and not needs_sync(catalog, settings):
            return WriteSummary(paper.id, status)
        # committed first, then the home's writer lock without waiting: when another writer (a CLI ingest)
        # holds it, that writer indexes this paper before it lets go (index/sync.py)
        summary = sync_indexes(catalog, settings, wait=False)
    return WriteSummary(paper.id, status, summary, deferred=summary is None)
