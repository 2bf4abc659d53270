"""The artifact layer: atomic writes, versions published by one pointer rename, one load per version."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from paperkg import artifacts


def test_atomic_writes_replace_whole_files_and_leave_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "data.json"
    artifacts.atomic_write_json(target, {"b": 1, "a": "é"})
    assert json.loads(target.read_text(encoding="utf-8")) == {"a": "é", "b": 1}
    artifacts.atomic_write_text(target, "text")
    assert target.read_text(encoding="utf-8") == "text"
    artifacts.atomic_write_bytes(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"
    assert [p.name for p in target.parent.iterdir()] == ["data.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError), artifacts.atomic_path(target) as tmp:
        tmp.write_text("half a fi", encoding="utf-8")
        raise RuntimeError("disk full")
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with artifacts.atomic_path(tmp_path / "plot.svg") as tmp:
        assert tmp.suffix == ".svg"  # writers that add their own suffix (np.save, savefig) keep the name
        tmp.write_text("<svg/>", encoding="utf-8")
    assert (tmp_path / "plot.svg").read_text(encoding="utf-8") == "<svg/>"


def test_publish_switches_the_version_in_one_step(tmp_path: Path) -> None:
    root = tmp_path / "idx"
    assert artifacts.current(root) is None and artifacts.version(root) is None
    first = artifacts.new_version(root)
    (first / "data.txt").write_text("1", encoding="utf-8")
    assert artifacts.current(root) is None  # written but not published: invisible
    artifacts.publish(root, first, {"count": 1})
    assert artifacts.current(root) == first and artifacts.version(root) == first.name
    manifest = artifacts.read_manifest(first)
    assert manifest["count"] == 1 and "created" in manifest
    second = artifacts.new_version(root)
    artifacts.publish(root, second, {"count": 2})
    assert artifacts.current(root) == second
    assert sorted(p.name for p in root.iterdir() if not p.is_dir()) == ["CURRENT"]  # no pointer temp left


def test_cached_loads_once_per_version_and_follows_a_new_one(tmp_path: Path) -> None:
    root = tmp_path / "idx"
    loads: list[str] = []

    def load(folder: Path) -> str:
        loads.append(folder.name)
        return (folder / "data.txt").read_text(encoding="utf-8")

    with pytest.raises(FileNotFoundError):
        artifacts.cached(root, load)
    for value in ("one", "two"):
        folder = artifacts.new_version(root)
        (folder / "data.txt").write_text(value, encoding="utf-8")
        artifacts.publish(root, folder, {})
        results: list[str] = []

        def read(out: list[str] = results) -> None:
            out.append(artifacts.cached(root, load))

        threads = [threading.Thread(target=read) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == [value] * 4
    assert len(loads) == 2  # one load per published version, however many threads ask
    assert str(root) in artifacts.cached_roots()
    artifacts.forget(root)
    assert artifacts.cached(root, load) == "two" and len(loads) == 3
