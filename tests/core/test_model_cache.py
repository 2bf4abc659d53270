"""Built int8 models live under the `cache_dir` setting; a new build deletes other builds once they go unused."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from paperkg import model_cache
from paperkg.settings import load_settings


@pytest.fixture(autouse=True)
def _reset_root():
    yield
    model_cache.use(None)


def test_cache_dir_is_a_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPERKG_TAGGER_CACHE", raising=False)
    monkeypatch.delenv("PAPERKG_CACHE_DIR", raising=False)
    home = tmp_path / "home"
    home.mkdir()
    assert load_settings(home).cache_dir == Path.home() / ".cache" / "paperkg"  # the documented default
    (home / "config.toml").write_text(f'cache_dir = "{tmp_path / "from-config"}"\n')
    assert load_settings(home).cache_dir == tmp_path / "from-config"
    from paperkg.graph.tagger import fast_encoder as tagger_fast
    from paperkg.index import fast_encoder

    assert tagger_fast.cache_dir() == tmp_path / "from-config" / "tagger"
    assert fast_encoder.shared_cache() == tmp_path / "from-config" / "encoders"
    monkeypatch.setenv("PAPERKG_CACHE_DIR", str(tmp_path / "from-env"))  # env over the config file
    assert load_settings(home).cache_dir == tmp_path / "from-env"
    assert load_settings(home).public_dict()["cache_dir"] == str(tmp_path / "from-env")


def _build(folder: Path, digest: str, age_days: float) -> Path:
    onnx = folder / f"tagger-encoder-{digest}-onnx-int8.onnx"
    for path in (onnx, onnx.with_suffix(".json")):
        path.write_text("x")
        then = time.time() - age_days * 86400
        os.utime(path, (then, then))
    return onnx


def test_prune_deletes_only_other_unused_builds(tmp_path: Path) -> None:
    new = _build(tmp_path, "new", 0)
    gate = tmp_path / f"{new.stem}.gate-abc.json"  # a record that belongs to the kept build, however old
    gate.write_text("{}")
    os.utime(gate, (0, 0))
    old = _build(tmp_path, "old", model_cache.STALE_DAYS + 1)
    recent = _build(tmp_path, "recent", 1)  # another checkout's weights, still in use: kept
    unrelated = tmp_path / "model-abc-onnx-int8.onnx"
    unrelated.write_text("x")
    os.utime(unrelated, (0, 0))
    removed = model_cache.prune(new, "tagger-encoder-*")
    assert sorted(p.name for p in removed) == sorted([old.name, old.with_suffix(".json").name])
    assert new.is_file() and gate.is_file() and unrelated.is_file()
    assert recent.is_file() and recent.with_suffix(".json").is_file()
    model_cache.touch(recent)
    assert time.time() - recent.stat().st_mtime < 60
