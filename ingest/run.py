"""The ingest verb: stream inputs into the catalog in batched transactions, resumable and idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from paperkg.catalog import Catalog, QuarantineEntry, UpsertCounts
from paperkg.errors import BadInput
from paperkg.ingest.detect import detect, expand_inputs
from paperkg.ingest.items import Item
from tqdm import tqdm


@dataclass(slots=True)
class IngestSummary:
    files: int = 0
    files_skipped: int = 0  # finished earlier and unchanged since
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    quarantined: int = 0
    failed: list[str] = field(default_factory=list)  # inputs that could not be read at all
    changed_pks: list[int] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.new + self.updated + self.deleted

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files, "files_skipped": self.files_skipped, "new": self.new,
            "updated": self.updated, "unchanged": self.unchanged, "deleted": self.deleted,
            "quarantined": self.quarantined, "failed": self.failed,
        }


def _fingerprint(path: Path) -> str:
    st = path.stat()
    return f"{st.st_size}:{st.st_mtime_ns}"


def ingest_paths(
    catalog: Catalog, paths: list[Path], *, batch: int = 2000, progress: bool = True
) -> IngestSummary:
    """Ingest every input. A killed run resumes from each input's last committed batch; re-running is a no-op."""
    summary = IngestSummary()
    for path in expand_inputs([Path(p) for p in paths]):
        summary.files += 1
        try:
            _ingest_file(catalog, path, batch, progress, summary)
        except BadInput as exc:
            summary.failed.append(str(exc))
    if summary.changed and hasattr(catalog, "match_citations"):
        with catalog.transaction():
            catalog.match_citations()
    return summary


def _ingest_file(catalog: Catalog, path: Path, batch: int, progress: bool, summary: IngestSummary) -> None:
    source = str(path.resolve())
    try:
        fingerprint = _fingerprint(path)
    except OSError as exc:
        raise BadInput(f"{path}: {exc.strerror or exc}") from exc
    skip = 0
    if (cp := catalog.checkpoint(source)) is not None and cp[0] == fingerprint:
        if cp[2]:
            summary.files_skipped += 1
            return
        skip = cp[1]
    _fmt, reader = detect(path)
    position = skip
    pending: list[Item] = []
    bar = tqdm(desc=f"ingest {path.name}", unit=" rec", disable=not progress, initial=skip, leave=False)
    try:
        for item in reader(path, skip):
            pending.append(item)
            position += 1
            bar.update()
            if len(pending) >= batch:
                _flush(catalog, source, fingerprint, position, pending, summary, finished=False)
                pending = []
        _flush(catalog, source, fingerprint, position, pending, summary, finished=True)
    finally:
        bar.close()


def _flush(
    catalog: Catalog,
    source: str,
    fingerprint: str,
    position: int,
    items: list[Item],
    summary: IngestSummary,
    *,
    finished: bool,
) -> None:
    """Write one batch and advance the checkpoint in the same transaction: all of it lands, or none."""
    papers = [it.paper for it in items if it.paper is not None]
    bad = [QuarantineEntry(source, it.location, it.error, it.excerpt) for it in items if it.error]
    with catalog.transaction():
        counts: UpsertCounts = catalog.upsert_papers(papers)
        for it in items:
            if it.deleted_id is not None and catalog.delete_paper(it.deleted_id):
                summary.deleted += 1
            if it.paper is not None and it.fulltext is not None and hasattr(catalog, "store_fulltext"):
                pk = catalog.paper_pk(it.paper.id)
                if pk is not None:
                    catalog.store_fulltext(pk, it.fulltext)
        summary.quarantined += catalog.quarantine(bad) if bad else 0
        catalog.set_checkpoint(source, fingerprint, position, finished)
    summary.new += counts.new
    summary.updated += counts.updated
    summary.unchanged += counts.unchanged
    summary.changed_pks.extend(counts.changed_pks)
