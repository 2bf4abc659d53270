"""The local run in one call: ingest inputs into the catalog, then update the indexes, the tagger and the graph."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from paperkg.catalog import Catalog
from paperkg.pipeline.result import PipelineResult
from paperkg.settings import Settings

if TYPE_CHECKING:
    from paperkg.dedupe import DuplicatePair
    from paperkg.graph.tagger.pending import TagSummary
    from paperkg.index.build import IndexSummary


def run_ingest(
    catalog: Catalog,
    settings: Settings,
    paths: list[Path],
    *,
    index: bool = True,
    tagger: bool | None = None,
    graph: bool = True,
    progress: bool = True,
) -> PipelineResult:
    """ingest -> catalog -> (indexes, tagger, graph). Each later stage reads the catalog, not the ingest's output."""
    from paperkg.ingest.run import ingest_paths
    from paperkg.limits import RecordLimits

    summary = ingest_paths(
        catalog, paths, batch=settings.ingest_batch, progress=progress, limits=RecordLimits.from_settings(settings)
    )
    # the indexes come first: they need nothing from the tagger, so new papers are searchable even when
    # tagging some paper fails (each failure is recorded per paper; see graph/tagger/pending.py)
    index_summary = None
    if index:
        from paperkg.index.build import update_indexes

        index_summary = update_indexes(catalog, settings, progress=progress)
    use_tagger = settings.tagger if tagger is None else tagger
    tag_summary = run_tagger(catalog, settings, progress=progress) if use_tagger else None
    graph_summary = None
    if graph:
        from paperkg.graph.build import build_graph

        graph_summary = build_graph(catalog, settings)
    return PipelineResult(ingest=summary, index=index_summary, tagger=tag_summary, graph=graph_summary)


def index_late_writes(catalog: Catalog, settings: Settings) -> IndexSummary | None:
    """After a run that held the home's writer lock (and released it): index the papers an API write committed
    meanwhile, which did not wait for the lock (index/sync.py). None when there were none, or another writer
    holds the lock now (it indexes them)."""
    from paperkg.index.build import DENSE
    from paperkg.index.sync import sync_indexes

    if not catalog.index_pending(DENSE):
        return None
    return sync_indexes(catalog, settings, wait=False)


def merge_duplicates(catalog: Catalog, settings: Settings, pairs: list[DuplicatePair]) -> list[DuplicatePair]:
    """Merge duplicate papers in the catalog (`paperkg.dedupe`), then bring the indexes (when built) and the
    graph up to date."""
    from paperkg.dedupe import merge_pairs
    from paperkg.graph.build import build_graph
    from paperkg.index.build import update_indexes
    from paperkg.index.sync import indexes_built

    if merge_pairs(catalog, pairs):
        if indexes_built(settings):
            update_indexes(catalog, settings, progress=False)
        build_graph(catalog, settings)
    return pairs


def run_tagger(catalog: Catalog, settings: Settings, *, progress: bool = True) -> TagSummary:
    """Tag every new or changed paper (no-op when all are tagged)."""
    from paperkg.graph.tagger import tag_pending

    return tag_pending(catalog, model_dir=settings.tagger_model, progress=progress, backend=settings.tagger_backend)
