"""The ingest verb: stream inputs into the catalog in batched transactions, resumable and idempotent."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from pathlib import Path

from paperkg.catalog import Catalog, QuarantineEntry, UpsertCounts
from paperkg.errors import BadInput, PaperkgError
from paperkg.ingest.detect import detect, expand_inputs
from paperkg.ingest.items import Item
from paperkg.limits import RecordLimits, check_paper, using_limits
from tqdm import tqdm


@dataclass(frozen=True, slots=True)
class IngestSummary:
    """What one ingest run did; summaries add up field by field (`a + b`), as the Ray run merges its parts."""

    files: int = 0
    files_skipped: int = 0  # finished earlier and unchanged since
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    failed: tuple[str, ...] = ()  # inputs that could not be read at all

    @property
    def changed(self) -> int:
        return self.new + self.updated + self.deleted

    def __add__(self, other: IngestSummary) -> IngestSummary:
        return IngestSummary(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "failed": list(self.failed)}


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def ingest_paths(
    catalog: Catalog,
    paths: list[Path],
    *,
    batch: int = 2000,
    progress: bool = True,
    limits: RecordLimits | None = None,
) -> IngestSummary:
    """Ingest every input. A killed run resumes from each input's last committed batch; re-running is a no-op."""
    summary = IngestSummary()
    with using_limits(limits or RecordLimits()):
        for path in expand_inputs([Path(p) for p in paths]):
            try:
                summary += IngestSummary(files=1) + _ingest_file(catalog, path, batch, progress)
            except BadInput as exc:
                summary += IngestSummary(files=1, failed=(str(exc),))
    if summary.changed:
        with catalog.transaction():
            catalog.match_citations()
    return summary


def _ingest_file(catalog: Catalog, path: Path, batch: int, progress: bool) -> IngestSummary:
    """One input; a BadInput escapes only before any batch is written (the input is unreadable as a whole)."""
    source = str(path.resolve())
    try:
        fingerprint = _fingerprint(path)
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror or exc}") from exc
    skip = 0
    if (cp := catalog.checkpoint(source)) is not None and cp[0] == fingerprint:
        if cp[2]:
            return IngestSummary(files_skipped=1)
        skip = cp[1]
    reader = detect(path)[1]
    position = skip
    summary = IngestSummary()
    pending: list[Item] = []
    bar = tqdm(desc=f"ingest {path.name}", unit=" rec", disable=not progress, initial=skip, leave=False)
    try:
        for item in _guarded(reader(path, skip), position):
            pending.append(item)
            position += 1
            bar.update()
            if len(pending) >= batch:
                summary += _flush(catalog, source, fingerprint, position, pending, finished=False)
                pending = []
        summary += _flush(catalog, source, fingerprint, position, pending, finished=True)
    finally:
        bar.close()
    return summary


def _guarded(items: Iterator[Item], position: int) -> Iterator[Item]:
    """A reader that fails mid-file costs only the rest of that file: what it yielded is kept, the failure
    is quarantined at the record where it happened."""
    n = position
    while True:
        try:
            item = next(items)
        except StopIteration:
            return
        except BadInput:
            if n == position:
                raise  # nothing read at all: the input is unreadable, reported as such
            yield Item.bad(f"record {n + 1}", "input became unreadable here; the rest of the file is lost")
            return
        except Exception as exc:  # noqa: BLE001
            yield Item.bad(f"record {n + 1}", f"reader failed ({type(exc).__name__}: {exc}); the rest is lost")
            return
        n += 1
        yield item


def _prevalidate(items: list[Item]) -> None:
    """Check every paper against the limits before the write, whatever reader made it (PDFs included)."""
    for it in items:
        if it.paper is None:
            continue
        try:
            check_paper(it.paper)
        except PaperkgError as exc:
            it.error, it.excerpt, it.paper, it.fulltext = str(exc), it.paper.title[:300], None, None


def _flush(
    catalog: Catalog,
    source: str,
    fingerprint: str,
    position: int,
    items: list[Item],
    *,
    finished: bool,
) -> IngestSummary:
    """Write one batch and advance the checkpoint in the same transaction: all of it lands, or none.

    When the batch write fails because of a record (not the disk, not a lock), it is written again record by
    record, each in a savepoint: the failing record is quarantined with the reason and the others land."""
    _prevalidate(items)
    try:
        with catalog.transaction():
            counts, deleted = _write(catalog, items, isolate=False)
            quarantined = _finish(catalog, source, fingerprint, position, items, finished)
    except (sqlite3.OperationalError, OSError, KeyboardInterrupt):
        raise  # the home's problem (disk full, locked, read-only): retrying per record cannot help
    except Exception:  # noqa: BLE001
        with catalog.transaction():
            counts, deleted = _write(catalog, items, isolate=True)
            quarantined = _finish(catalog, source, fingerprint, position, items, finished)
    return IngestSummary(
        new=counts.new, updated=counts.updated, unchanged=counts.unchanged, deleted=deleted, quarantined=quarantined
    )


def _write(catalog: Catalog, items: list[Item], *, isolate: bool) -> tuple[UpsertCounts, int]:
    counts, deleted = UpsertCounts(), 0
    groups = [[it] for it in items] if isolate else [items]
    for group in groups:
        if isolate:
            catalog.conn.execute("SAVEPOINT record")
        try:
            counts_g = catalog.upsert_papers([it.paper for it in group if it.paper is not None])
            deleted_g = 0
            for it in group:
                if it.deleted_id is not None and catalog.delete_paper(it.deleted_id):
                    deleted_g += 1
                if it.paper is not None and it.fulltext is not None:
                    pk = catalog.paper_pk(it.paper.id)
                    if pk is not None:
                        catalog.store_fulltext(pk, it.fulltext)
        except (sqlite3.OperationalError, OSError):
            raise
        except Exception as exc:  # noqa: BLE001
            if not isolate:
                raise
            catalog.conn.execute("ROLLBACK TO record")
            catalog.conn.execute("RELEASE record")
            (it,) = group
            excerpt = it.paper.title[:300] if it.paper is not None else it.excerpt
            it.error, it.excerpt = f"write failed ({type(exc).__name__}: {exc})", excerpt
            it.paper, it.fulltext = None, None
            continue
        if isolate:
            catalog.conn.execute("RELEASE record")
        counts.add(counts_g)
        deleted += deleted_g
    return counts, deleted


def _finish(
    catalog: Catalog,
    source: str,
    fingerprint: str,
    position: int,
    items: list[Item],
    finished: bool,
) -> int:
    """Quarantine the batch's bad records and advance the checkpoint; returns the records quarantined."""
    bad = [QuarantineEntry(source, it.location, it.error, it.excerpt) for it in items if it.error]
    quarantined = catalog.quarantine(bad) if bad else 0
    catalog.set_checkpoint(source, fingerprint, position, finished)
    return quarantined
