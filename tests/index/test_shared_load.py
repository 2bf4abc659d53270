"""The dense index is loaded once per process and published version, whoever reads it."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.graph.build import build_graph
from paperkg.graph.recommend import related, vector_store
from paperkg.index.artifacts import dense_root
from paperkg.index.dense import DenseIndex
from paperkg.index.search import Searcher
from paperkg.index.vectors import VectorStore
from paperkg.settings import load_settings


def test_search_recommend_and_vectors_share_one_load_per_version(small_home, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / "home"
    shutil.copytree(small_home.home, home, ignore=shutil.ignore_patterns("*.jsonl", ".writer.lock"))
    settings = load_settings(home, tagger=False)
    root = dense_root(settings)
    loads: list[Path] = []
    read = DenseIndex.from_folder.__func__  # type: ignore[attr-defined]

    def counting(cls, folder, encoder=None, *, what="dense"):  # noqa: ANN001, ANN202
        if folder.parent == root:
            loads.append(folder)
        return read(cls, folder, encoder, what=what)

    monkeypatch.setattr(DenseIndex, "from_folder", classmethod(counting))
    with open_catalog(settings.catalog_path) as catalog:
        build_graph(catalog, settings)
        seed = next(iter(catalog.iter_papers()))[2].id
        searcher = Searcher(settings, catalog)
        assert searcher.search("neural networks", k=3, mode="dense")
        assert related(catalog, settings, seed, k=3)
        assert VectorStore.load(settings).vector(catalog.paper_pk(seed)) is not None
        other: list[DenseIndex] = []  # the API's other worker threads hold their own searchers
        t = threading.Thread(target=lambda: other.append(Searcher(settings, catalog).dense))
        t.start()
        t.join()
        assert other[0] is searcher.dense
        assert len(loads) == 1, loads

        # a version published by a writer (here: the same vectors saved again) is picked up by every reader
        DenseIndex.load(root).save(root)  # a writer reads its own private copy (the one load of its own)
        assert len(loads) == 2
        assert searcher.search("neural networks", k=3, mode="dense")
        store = vector_store(settings)
        assert store is not None and store.vector(catalog.paper_pk(seed)) is not None
        assert related(catalog, settings, seed, k=3)
        assert len(loads) == 3 and loads[-1].name != loads[0].name
