"""The catalog of record: one SQLite file holding every paper, entity, relation and citation."""

from __future__ import annotations

from pathlib import Path

from paperkg.catalog.annotations import AnnotationsMixin
from paperkg.catalog.citations import CitationsMixin
from paperkg.catalog.collections import CollectionsMixin
from paperkg.catalog.duplicates import DuplicatesMixin
from paperkg.catalog.entities import EntitiesMixin
from paperkg.catalog.graph_edges import GraphEdgesMixin
from paperkg.catalog.index_state import IndexStateMixin
from paperkg.catalog.papers import PapersMixin, UpsertCounts
from paperkg.catalog.quarantine import QuarantineEntry, QuarantineMixin
from paperkg.catalog.stage_failures import StageFailuresMixin
from paperkg.catalog.store import Store
from paperkg.catalog.sync_state import SyncStateMixin
from paperkg.catalog.topics import TopicsMixin
from paperkg.catalog.trends import TrendsMixin


class Catalog(
    PapersMixin,
    QuarantineMixin,
    IndexStateMixin,
    EntitiesMixin,
    GraphEdgesMixin,
    SyncStateMixin,
    CitationsMixin,
    AnnotationsMixin,
    CollectionsMixin,
    TrendsMixin,
    DuplicatesMixin,
    TopicsMixin,
    StageFailuresMixin,
    Store,
):
    """The only code that runs SQL. Stages read and write papers through these methods."""

    def stats(self) -> dict[str, int]:
        return {
            "papers": self.count_papers(),
            "quarantined": self.count_quarantined(),
            "entities": self.count_entities(),
            "citations": self.count_citations(),
            "mentions": self.count_mentions(),
            "relations": self.count_relations(),
            **self.count_failures(),
        }


def open_catalog(path: Path | str, *, readonly: bool | None = False) -> Catalog:
    return Catalog(path, readonly=readonly)


__all__ = ["Catalog", "QuarantineEntry", "UpsertCounts", "open_catalog"]
