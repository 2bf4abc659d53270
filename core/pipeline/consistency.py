"""Bring what is built from the catalog back to it: `paperkg doctor --repair`, and the server's start-up repair."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from paperkg.catalog import Catalog
from paperkg.settings import Settings
from paperkg.writelock import writer_lock

if TYPE_CHECKING:
    from paperkg.index.build import IndexSummary


def sync_on_start(catalog: Catalog, settings: Settings) -> IndexSummary | None:
    """Server start: repair indexes left behind by a killed writer. Only a writable home whose indexes were
    built once (a home ingested with --no-index stays unindexed), and never waiting for another writer."""
    from paperkg.graph.build import build_graph
    from paperkg.index.sync import differs, graph_report, indexes_built, needs_sync, sync_indexes

    if getattr(catalog, "readonly", False) or not indexes_built(settings):
        return None
    summary = sync_indexes(catalog, settings, wait=False) if needs_sync(catalog, settings) else None
    graph = graph_report(catalog, settings)
    if graph["present"] and differs(graph):
        with writer_lock(settings.home, "graph update", wait=False) as held:
            if held:
                build_graph(catalog, settings)
    return summary


def repair(catalog: Catalog, settings: Settings, *, notify: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Bring every index and the graph to the catalog (under the writer lock), then check again."""
    from paperkg.graph.build import build_graph
    from paperkg.index.build import update_indexes
    from paperkg.index.sync import check, differs, graph_report

    with writer_lock(settings.home, "doctor --repair", wait=True, notify=notify):
        update_indexes(catalog, settings, progress=False)
        build_graph(catalog, settings, force=differs(graph_report(catalog, settings)))
    return check(catalog, settings)
