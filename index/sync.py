"""Keep the indexes equal to the catalog (locked updates); `doctor`'s check of catalog, index and graph id sets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from paperkg.catalog import Catalog
from paperkg.index import artifacts
from paperkg.index.build import DENSE, IndexSummary, dense_root, lexical_digest, lexical_root, update_indexes
from paperkg.settings import Settings
from paperkg.writelock import writer_lock

SAMPLE = 10  # ids listed per difference in a report


def sync_indexes(
    catalog: Catalog,
    settings: Settings,
    *,
    wait: bool | float = True,
    progress: bool = False,
    notify: Callable[[str], None] | None = None,
) -> IndexSummary | None:
    """Update the indexes under the home's writer lock; None when `wait` is False and another writer holds it.

    After releasing the lock the catalog is checked again: a paper committed while the lock was held (an API
    write during a CLI ingest, which does not wait) is indexed by whoever holds the lock last. Every writer
    commits before trying the lock, so each paper is seen by a holder that checked after its commit."""
    summary = None
    while True:
        with writer_lock(settings.home, "index update", wait=wait, notify=notify) as held:
            if not held:
                return summary
            summary = update_indexes(catalog, settings, progress=progress)
        if not needs_sync(catalog, settings):
            return summary
        wait = False


def needs_sync(catalog: Catalog, settings: Settings) -> bool:
    """Do the published indexes differ from the catalog (papers, or texts)? Cheap: marks plus one digest."""
    return catalog.index_pending(DENSE) or lexical_digest(settings) != catalog.catalog_digest()


def indexes_built(settings: Settings) -> bool:
    """Was a dense index ever published in this home (a home ingested with --no-index has none)?"""
    return artifacts.current(dense_root(settings)) is not None


def published_ids(root: Path, what: str) -> np.ndarray | None:
    """The paper keys the published "dense" or "lexical" index holds; None when none is published."""
    folder = artifacts.current(root)
    if folder is None:
        return None
    if what == "dense":
        from paperkg.index.dense import DenseIndex

        return DenseIndex.from_folder(folder).all_ids()
    return np.load(folder / "pks.npy", allow_pickle=False)


def _graph_ids(settings: Settings) -> np.ndarray | None:
    from paperkg.graph.store import published_paper_pks

    return published_paper_pks(settings)


def _compare(ids: np.ndarray | None, catalog_ids: set[int], ids_of: Callable[[list[int]], list[str]]) -> dict[str, Any]:
    held = set() if ids is None else {int(i) for i in ids.tolist()}
    missing = sorted(catalog_ids - held)
    extra = sorted(held - catalog_ids)
    return {
        "present": ids is not None,
        "count": 0 if ids is None else int(len(ids)),
        "missing": len(missing),
        "extra": len(extra),
        "duplicates": 0 if ids is None else int(len(ids) - len(held)),
        "missing_ids": ids_of(missing[:SAMPLE]),
        "extra_keys": extra[:SAMPLE],
    }


def differs(part: dict[str, Any]) -> bool:
    """Does a part of a `check` report (or `graph_report`) differ from the catalog, or is it missing?"""
    return not part["present"] or bool(part["missing"] or part["extra"] or part["duplicates"] or part.get("stale"))


def check(catalog: Catalog, settings: Settings) -> dict[str, Any]:
    """Compare the id sets of the catalog, the dense index, the lexical index and the graph.

    Besides the id sets: `stale` counts dense vectors made from an older text of their paper (by the content
    hash recorded per vector), and is 1 for a lexical index built from another catalog state (its digest)."""
    catalog_ids = set(catalog.paper_pks())

    def ids_of(pks: list[int]) -> list[str]:
        found = catalog.papers_by_pk(pks)
        return [found[pk].id for pk in pks if pk in found]

    dense_ids = published_ids(dense_root(settings), "dense")
    report: dict[str, Any] = {"catalog": len(catalog_ids)}
    failed = catalog.failed_pks(DENSE)  # papers the encoder could not process are listed, not missing
    report["dense"] = _compare(dense_ids, catalog_ids - failed, ids_of)
    report["dense"]["failed"] = len(failed)
    if dense_ids is not None:
        held = {int(i) for i in dense_ids.tolist()}
        report["dense"]["stale"] = len(set(catalog.index_diff(DENSE)[0]) & held)
    report["lexical"] = _compare(published_ids(lexical_root(settings), "lexical"), catalog_ids, ids_of)
    report["lexical"]["stale"] = int(lexical_digest(settings) not in (None, catalog.catalog_digest()))
    report["graph"] = _compare(_graph_ids(settings), catalog_ids, ids_of)
    report["ok"] = not any(differs(report[part]) for part in ("dense", "lexical", "graph"))
    return report


def graph_report(catalog: Catalog, settings: Settings) -> dict[str, Any]:
    """The published graph's paper set against the catalog's (present, count, missing, extra, duplicates)."""
    return _compare(_graph_ids(settings), set(catalog.paper_pks()), lambda pks: [])


def index_counts(settings: Settings) -> dict[str, int]:
    """Papers in each published index, from their manifests (0 when none is published)."""
    out = {}
    for name, root in (("dense", dense_root(settings)), ("lexical", lexical_root(settings))):
        folder = artifacts.current(root)
        try:
            out[name] = int(artifacts.read_manifest(folder).get("count", 0)) if folder else 0
        except (OSError, ValueError):
            out[name] = 0
    return out
