"""The graph is published as one version: a crash while saving never mixes builds; older homes still open."""

from __future__ import annotations

import json
import shutil

import pytest
from paperkg import artifacts
from paperkg.graph import store
from paperkg.graph.build import build_graph, load_graph
from paperkg.graph.store import LEGACY_FILES, graph_dir, graph_folder
from paperkg.index.sync import check


def test_a_crash_before_publishing_keeps_the_previous_build_whole(kg_catalog, kg_settings, monkeypatch) -> None:
    build_graph(kg_catalog, kg_settings)
    before = load_graph(kg_settings)
    published = graph_folder(kg_settings)

    def killed(*_args, **_kwargs) -> None:
        raise KeyboardInterrupt("killed while saving")

    monkeypatch.setattr(store.artifacts, "publish", killed)
    with pytest.raises(KeyboardInterrupt):
        build_graph(kg_catalog, kg_settings, force=True)
    monkeypatch.undo()
    # the new build's files were written into an unpublished folder: readers still get the old build, whole
    assert graph_folder(kg_settings) == published
    after = load_graph(kg_settings)
    assert after is before and after.paper_ids == before.paper_ids
    assert len([p for p in graph_dir(kg_settings).iterdir() if p.is_dir()]) == 2

    report = build_graph(kg_catalog, kg_settings, force=True)  # the next build publishes and tidies up
    assert report.rebuilt and graph_folder(kg_settings) != published
    rebuilt = load_graph(kg_settings)
    assert rebuilt is not before and rebuilt.paper_ids == before.paper_ids
    assert (rebuilt.mentions != before.mentions).nnz == 0


def test_a_home_saved_in_the_flat_layout_still_opens_and_moves_on(kg_catalog, kg_settings) -> None:
    build_graph(kg_catalog, kg_settings)
    versioned = load_graph(kg_settings)
    out, folder = graph_dir(kg_settings), graph_folder(kg_settings)
    # the layout of homes saved before versioned graphs: three files directly in the graph folder
    manifest = artifacts.read_manifest(folder)
    (out / "graph.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    shutil.copy(folder / "names.json", out / "names.json")
    shutil.copy(folder / "graph.npz", out / "graph.npz")
    shutil.rmtree(folder)
    (out / artifacts.POINTER).unlink()
    artifacts.forget(out)

    assert graph_folder(kg_settings) == out
    legacy = load_graph(kg_settings)
    assert legacy is not None and legacy is not versioned
    assert legacy.paper_ids == versioned.paper_ids and legacy.entity_keys == versioned.entity_keys
    assert (legacy.cites != versioned.cites).nnz == 0
    assert load_graph(kg_settings) is legacy  # cached like a version
    assert check(kg_catalog, kg_settings)["graph"]["missing"] == 0
    assert not build_graph(kg_catalog, kg_settings).rebuilt  # its manifest is read: nothing changed

    assert build_graph(kg_catalog, kg_settings, force=True).rebuilt
    assert artifacts.current(out) is not None
    assert not any((out / name).exists() for name in LEGACY_FILES)  # migrated: the flat files are gone
    assert load_graph(kg_settings).paper_ids == versioned.paper_ids
