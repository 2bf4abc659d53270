"""The main job in one call: ingest inputs into the catalog, then bring the indexes and the tagger up to date."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperkg.catalog import Catalog
from paperkg.settings import Settings


@dataclass(slots=True)
class PipelineResult:
    ingest: dict[str, Any]
    index: dict[str, Any] | None = None
    tagger: dict[str, Any] | None = None
    graph: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return bool(self.ingest.get("failed"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "ingest": self.ingest,
            "index": self.index,
            "tagger": self.tagger,
            "graph": self.graph,
            "notes": self.notes,
        }


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
    """ingest -> catalog -> tagger -> (graph, indexes). Each later stage reads the catalog, not the ingest's output."""
    from paperkg.ingest.run import ingest_paths
    from paperkg.limits import RecordLimits

    summary = ingest_paths(
        catalog, paths, batch=settings.ingest_batch, progress=progress, limits=RecordLimits.from_settings(settings)
    )
    result = PipelineResult(ingest=summary.as_dict())
    # the indexes come first: they need nothing from the tagger, so new papers are searchable even when
    # tagging some paper fails (each failure is recorded per paper; see graph/tagger/pending.py)
    if index:
        from paperkg.index.build import update_indexes

        result.index = update_indexes(catalog, settings, progress=progress).as_dict()
    use_tagger = settings.tagger if tagger is None else tagger
    if use_tagger:
        result.tagger = run_tagger(catalog, settings, progress=progress)
    if graph:
        from paperkg.graph.build import build_graph

        result.graph = dataclasses.asdict(build_graph(catalog, settings))
    return result


def run_tagger(catalog: Catalog, settings: Settings, *, progress: bool = True) -> dict[str, Any]:
    """Tag every new or changed paper (no-op when all are tagged)."""
    from paperkg.graph.tagger import tag_pending

    return dict(
        tag_pending(catalog, model_dir=settings.tagger_model, progress=progress, backend=settings.tagger_backend)
    )
