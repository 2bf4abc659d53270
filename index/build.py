"""The index verb: bring the dense, lexical and passage indexes up to date with the catalog, or rebuild."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import IndexNotReady
from paperkg.index import artifacts
from paperkg.index.artifacts import dense_root, lexical_root
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import load_encoder, spec_from_settings
from paperkg.index.lexical import FORMAT as LEXICAL_FORMAT
from paperkg.index.lexical import LexicalIndex, document_text
from paperkg.index.passages import PassageSummary, update_passages
from paperkg.settings import Settings
from tqdm import tqdm

DENSE = artifacts.DENSE  # also the catalog's name for the dense index's marks
EMBED_CHUNK = 1024  # papers embedded and added per step: bounds memory and paces the progress bar


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """What one index update did (dense, lexical, and the passage index of PDFs' full text)."""

    embedded: int = 0
    removed: int = 0
    dense_total: int = 0
    lexical_total: int = 0
    dense_kind: str = ""
    seconds: float = 0.0
    passages: PassageSummary | None = None  # full-text passage index (PDFs only)
    failed: int = 0  # papers the encoder could not process (recorded per paper, see `paperkg failed`)
    lexical_rebuilt: bool = False  # BM25 was rebuilt (the catalog's texts changed, or an older index format)

    def to_json(self) -> dict[str, object]:
        return {
            "embedded": self.embedded,
            "removed": self.removed,
            "dense_total": self.dense_total,
            "lexical_total": self.lexical_total,
            "dense_index": self.dense_kind,
            "seconds": round(self.seconds, 2),
            "passages": None if self.passages is None else self.passages.to_json(),
            "failed": self.failed,
            "lexical_rebuilt": self.lexical_rebuilt,
        }


def _crash_point(name: str) -> None:
    """Test hook: `PAPERKG_CRASH_AT=name` kills the process here with SIGKILL (tests of kill -9 recovery)."""
    if os.environ.get("PAPERKG_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)


def update_indexes(
    catalog: Catalog, settings: Settings, *, rebuild: bool = False, progress: bool = True
) -> IndexSummary:
    """Bring both indexes to exactly the catalog's papers: embed new or changed papers, drop deleted ones,
    rebuild BM25 when its papers or texts differ from the catalog's.

    The work is decided by comparing the published indexes with the catalog (dense: its id set plus the
    content hash each vector was made from; lexical: a digest of the catalog it was built from), never by
    marks alone, so a run killed anywhere, or writers that raced, are repaired by the next run. Callers that
    can run concurrently hold the home's writer lock (index/sync.py)."""
    started = time.perf_counter()
    embedded = removed = failures = 0
    spec = spec_from_settings(settings)
    encoder_info = spec.describe()
    dense = _open_dense(catalog, settings, encoder_info, rebuild=rebuild)
    if dense is None:
        encoder = load_encoder(spec)
        dense = DenseIndex.empty(encoder.dim, encoder_info)
    todo, gone = catalog.index_diff(DENSE, present=dense.all_ids().tolist())
    failed = catalog.failed_pks(DENSE)  # papers the encoder could not process: skipped until they change
    todo = [pk for pk in todo if pk not in failed]
    if todo or gone:
        encoder = load_encoder(spec)
        dense.remove(todo + gone)
        removed = len(gone)
        marks: list[tuple[int, str]] = []
        bar = tqdm(total=len(todo), desc="embed", unit=" papers", disable=not progress, leave=False)
        for start in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[start : start + EMBED_CHUNK]
            hashes = catalog.hashes(chunk)  # read before the text: see mark_indexed_hashes
            papers = catalog.papers_by_pk(chunk)
            ids = [pk for pk in chunk if pk in papers and pk in hashes]
            ids, vectors, errors = _encode_isolated(encoder, ids, papers, settings.batch_size)
            if errors:
                with catalog.transaction():
                    for pk, reason in errors.items():
                        catalog.record_failure(DENSE, pk, hashes[pk], reason)
                failures += len(errors)
            dense.add(ids, vectors)
            marks.extend((pk, hashes[pk]) for pk in ids)
            embedded += len(ids)
            bar.update(len(chunk))
            # bounded memory in bulk builds: go IVF-SQ8 as soon as the threshold is crossed
            dense.rebalance(settings.exact_index_max, expected=dense.count + len(todo) - start - len(chunk))
        bar.close()
        _publish_dense(catalog, settings, dense, marks, gone)
    elif not artifacts.is_published(dense_root(settings)):
        dense.save(dense_root(settings))
    digest = catalog.catalog_digest()  # taken before reading the texts: a change meanwhile shows next time
    lexical_rebuilt = rebuild or lexical_digest(settings) != digest
    if lexical_rebuilt:
        lexical_total = build_lexical(catalog, settings, digest, progress=progress).count
    else:
        lexical_total = LexicalIndex.load(lexical_root(settings)).count
    passages = update_passages(catalog, settings, rebuild=rebuild, progress=progress)
    return IndexSummary(
        embedded=embedded,
        removed=removed,
        dense_total=dense.count,
        lexical_total=lexical_total,
        dense_kind=dense.kind,
        seconds=time.perf_counter() - started,
        passages=passages,
        failed=failures,
        lexical_rebuilt=lexical_rebuilt,
    )


def build_lexical(catalog: Catalog, settings: Settings, digest: str, *, progress: bool = False) -> LexicalIndex:
    """BM25 over every paper of the catalog (title twice + abstract), published with the catalog digest it was
    built from (`digest`: taken before the texts are read)."""
    docs = ((pk, document_text(p.title, p.abstract)) for pk, _h, p in catalog.iter_papers())
    lexical = LexicalIndex.build(docs, progress=progress, total=catalog.count_papers())
    lexical.manifest["catalog_digest"] = digest
    lexical.save(lexical_root(settings))
    return lexical


def _open_dense(
    catalog: Catalog, settings: Settings, encoder_info: dict, *, rebuild: bool = False
) -> DenseIndex | None:
    """The published dense index; None when there is none (or on rebuild), and then every dense mark is
    forgotten: the papers are embedded again into a new index."""
    if not rebuild:
        try:
            return DenseIndex.load(dense_root(settings), encoder_info)
        except IndexNotReady:
            pass
    with catalog.transaction():
        catalog.forget_indexed(DENSE)
    return None


def _publish_dense(
    catalog: Catalog, settings: Settings, dense: DenseIndex, marks: list[tuple[int, str]], gone: list[int]
) -> None:
    dense.rebalance(settings.exact_index_max)
    dense.save(dense_root(settings))
    _crash_point("after-dense-publish")
    # mark only after the new version is published: a kill in between just re-embeds these papers
    with catalog.transaction():
        catalog.forget_indexed(DENSE, gone)
        catalog.mark_indexed_hashes(DENSE, marks)
    _crash_point("after-dense-mark")


def add_vectors(
    catalog: Catalog, settings: Settings, batches: Iterable[tuple[list[int], list[str], np.ndarray]]
) -> int:
    """The dense step for vectors computed elsewhere (the Ray run's workers): from batches of (paper keys, the
    content hash each vector was made from, vectors), add those of papers the published index lacks when the
    catalog still holds that content, then publish. The first usable vector of a paper wins; papers left out
    are embedded by `update_indexes`. Returns the number of papers added."""
    encoder_info = spec_from_settings(settings).describe()
    dense = _open_dense(catalog, settings, encoder_info)
    todo, _gone = catalog.index_diff(DENSE, present=None if dense is None else dense.all_ids().tolist())
    wanted = set(todo)
    marks: list[tuple[int, str]] = []
    for pks, hashes, vectors in batches:
        current = catalog.hashes([pk for pk in pks if pk in wanted])
        rows = []
        for row, (pk, content_hash) in enumerate(zip(pks, hashes, strict=True)):
            if pk in wanted and current.get(pk) == content_hash:
                wanted.discard(pk)
                rows.append(row)
        if not rows:
            continue
        if dense is None:  # sized from the vectors: the driver need not load the encoder (it may lack the GPU)
            dense = DenseIndex.empty(vectors.shape[1], encoder_info)
        ids = [pks[row] for row in rows]
        dense.remove(ids)
        dense.add(ids, np.asarray(vectors[rows], dtype=np.float32))
        marks.extend((pks[row], hashes[row]) for row in rows)
    if dense is None or not marks:
        return 0
    _publish_dense(catalog, settings, dense, marks, [])
    return len(marks)


def _encode_isolated(encoder, ids: list[int], papers: dict, batch_size: int):  # noqa: ANN001, ANN202
    """Encode a chunk; if that fails, encode paper by paper so only the papers that fail are left out."""
    try:
        return ids, encoder.encode([papers[pk].text for pk in ids], batch_size=batch_size), {}
    except Exception:  # noqa: BLE001
        pass
    kept, rows, errors = [], [], {}
    for pk in ids:
        try:
            rows.append(encoder.encode([papers[pk].text], batch_size=1)[0])
            kept.append(pk)
        except Exception as exc:  # noqa: BLE001
            errors[pk] = f"{type(exc).__name__}: {exc}"[:500]
    vectors = np.stack(rows) if rows else np.zeros((0, encoder.dim), dtype=np.float32)
    return kept, vectors, errors


def lexical_digest(settings: Settings) -> str | None:
    """The catalog digest the published lexical index was built from (None: none published, or older, or of
    another on-disk format: then it is rebuilt)."""
    folder = artifacts.current(lexical_root(settings))
    if folder is None:
        return None
    try:
        manifest = artifacts.read_manifest(folder)
    except (OSError, ValueError):
        return None
    return manifest.get("catalog_digest") if manifest.get("format", 1) == LEXICAL_FORMAT else None
