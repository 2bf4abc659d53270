"""The index verb: bring the dense, lexical and passage indexes up to date with the catalog, or rebuild."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from paperkg.catalog import Catalog
from paperkg.errors import IndexNotReady
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import load_encoder, spec_from_settings
from paperkg.index.lexical import LexicalIndex, document_text
from paperkg.index.passages import update_passages
from paperkg.settings import Settings
from tqdm import tqdm

DENSE = "dense"
EMBED_CHUNK = 1024  # papers embedded and added per step: bounds memory and paces the progress bar


@dataclass(slots=True)
class IndexSummary:
    embedded: int = 0
    removed: int = 0
    dense_total: int = 0
    lexical_total: int = 0
    dense_kind: str = ""
    seconds: float = 0.0
    passages: dict[str, object] | None = None  # full-text passage index (PDFs only)

    def as_dict(self) -> dict[str, object]:
        return {
            "embedded": self.embedded, "removed": self.removed, "dense_total": self.dense_total,
            "lexical_total": self.lexical_total, "dense_index": self.dense_kind,
            "seconds": round(self.seconds, 2), "passages": self.passages,
        }


def dense_root(settings: Settings) -> Path:
    return settings.index_dir / "dense"


def lexical_root(settings: Settings) -> Path:
    return settings.index_dir / "lexical"


def update_indexes(
    catalog: Catalog, settings: Settings, *, rebuild: bool = False, progress: bool = True
) -> IndexSummary:
    """Embed only new or changed papers, drop deleted ones, and rebuild BM25 when anything changed."""
    started = time.perf_counter()
    summary = IndexSummary()
    spec = spec_from_settings(settings)
    encoder_info = spec.describe()
    if rebuild:
        with catalog.transaction():
            catalog.forget_indexed(DENSE)
    todo, gone = catalog.index_diff(DENSE)
    try:
        dense = None if rebuild else DenseIndex.load(dense_root(settings), encoder_info)
    except IndexNotReady:
        dense = None
    if dense is None:
        if not rebuild:
            with catalog.transaction():
                catalog.forget_indexed(DENSE)
            todo, gone = catalog.index_diff(DENSE)
        encoder = load_encoder(spec)
        dense = DenseIndex.empty(encoder.dim, encoder_info)
    lexical_missing = not (lexical_root(settings) / "CURRENT").is_file()
    if todo or gone:
        encoder = load_encoder(spec)
        dense.remove(todo + gone)
        summary.removed = len(gone)
        bar = tqdm(total=len(todo), desc="embed", unit=" papers", disable=not progress, leave=False)
        for start in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[start : start + EMBED_CHUNK]
            papers = catalog.papers_by_pk(chunk)
            ids = [pk for pk in chunk if pk in papers]
            vectors = encoder.encode([papers[pk].text for pk in ids], batch_size=settings.batch_size)
            dense.add(ids, vectors)
            summary.embedded += len(ids)
            bar.update(len(chunk))
            # bounded memory in bulk builds: go IVF-SQ8 as soon as the threshold is crossed
            dense.rebalance(settings.exact_index_max, expected=dense.count + len(todo) - start - len(chunk))
        bar.close()
        dense.rebalance(settings.exact_index_max)
        dense.save(dense_root(settings))
        # mark only after the new version is published: a kill in between just re-embeds these papers
        with catalog.transaction():
            catalog.mark_indexed(DENSE, todo)
            catalog.forget_indexed(DENSE, gone)
    elif not (dense_root(settings) / "CURRENT").is_file():
        dense.save(dense_root(settings))
    if todo or gone or lexical_missing or rebuild:
        docs = ((pk, document_text(p.title, p.abstract)) for pk, _h, p in catalog.iter_papers())
        lexical = LexicalIndex.build(docs, progress=progress, total=catalog.count_papers())
        lexical.save(lexical_root(settings))
        summary.lexical_total = lexical.count
    else:
        summary.lexical_total = LexicalIndex.load(lexical_root(settings)).count
    summary.dense_total = dense.count
    summary.dense_kind = dense.kind
    summary.passages = update_passages(catalog, settings, rebuild=rebuild, progress=progress).as_dict()
    summary.seconds = time.perf_counter() - started
    return summary
