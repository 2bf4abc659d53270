"""Broken homes: disk full, read-only file system, a catalog from a newer paperkg: one clear line, nothing lost."""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.catalog.store import CatalogUnavailable
from paperkg.cli.main import app
from paperkg.settings import load_settings
from typer.testing import CliRunner


def _records(n: int) -> bytes:
    return b"".join(
        json.dumps({"id": f"2404.{i:05d}", "title": f"Full disk probe {i}", "abstract": "x" * 400}).encode() + b"\n"
        for i in range(n)
    )


def _mount(where: Path, options: str) -> bool:
    return (
        subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(where)], capture_output=True).returncode
        == 0
    )


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Path]:
    """A small tmpfs of our own (root only; skipped elsewhere), unmounted afterwards."""
    where = tmp_path / f"mnt-{uuid.uuid4().hex[:6]}"
    where.mkdir()
    if os.geteuid() != 0 or not _mount(where, "size=1m"):
        pytest.skip("needs root and mount to build a small or read-only file system")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def _remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True, capture_output=True)


def test_disk_full_is_one_clear_line_and_resume_completes(tmpfs: Path, tmp_path: Path) -> None:
    src = tmp_path / "many.jsonl"
    src.write_bytes(_records(4000))
    home = tmpfs / "home"
    args = ["ingest", str(src), "--home", str(home), "--no-index", "--no-tagger", "--no-graph"]
    full = CliRunner().invoke(app, args)
    assert full.exit_code == 1, full.output
    assert "disk full" in full.output and "catalog.sqlite" in full.output
    assert "Traceback" not in full.output and "no transaction is active" not in full.output
    conn = sqlite3.connect(f"file:{home / 'catalog.sqlite'}?mode=ro", uri=True)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    kept = conn.execute("SELECT COUNT(*) FROM papers").fetchone()[0]
    conn.close()
    assert kept < 4000
    _remount(tmpfs, "size=64m")
    resumed = CliRunner().invoke(app, args)
    assert resumed.exit_code == 0, resumed.output
    with open_catalog(home / "catalog.sqlite") as cat:
        assert cat.count_papers() == 4000


def test_disk_full_while_publishing_an_index_keeps_the_old_version(
    small_home,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    from paperkg.index import artifacts

    home = tmp_path / "home"
    shutil.copytree(small_home.home, home, ignore=shutil.ignore_patterns("*.jsonl", ".writer.lock"))
    before = (home / "index" / "dense" / "CURRENT").read_text()
    src = tmp_path / "new.jsonl"
    src.write_bytes(_records(5))

    def no_space(_index, path: Path) -> None:  # noqa: ANN001
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr(artifacts, "write_faiss", no_space)
    args = ["ingest", str(src), "--home", str(home), "--no-tagger", "--no-graph"]
    out = CliRunner().invoke(app, args)
    assert out.exit_code == 1 and "disk full" in out.output and "vectors.faiss" in out.output
    assert "Traceback" not in out.output
    assert (home / "index" / "dense" / "CURRENT").read_text() == before
    monkeypatch.undo()
    assert CliRunner().invoke(app, args).exit_code == 0
    doctor = CliRunner().invoke(app, ["doctor", "--home", str(home), "--repair"])
    assert doctor.exit_code == 0, doctor.output


def test_read_only_home_is_searched_and_served_but_not_written(small_home, tmpfs: Path, tmp_path: Path) -> None:  # noqa: ANN001
    from fastapi.testclient import TestClient
    from paperkg.api.app import create_app

    _remount(tmpfs, "size=160m")  # the home holds its encoder build (bf16 IR: ~45 MB)
    home = tmpfs / "home"
    shutil.copytree(small_home.home, home, ignore=shutil.ignore_patterns("*.jsonl", ".writer.lock"))
    with open_catalog(home / "catalog.sqlite") as cat:  # leave it as a writer would: WAL mode, checkpointed
        title = next(cat.iter_papers())[2].title
    _remount(tmpfs, "ro")
    found = CliRunner().invoke(app, ["search", title, "--home", str(home), "--mode", "lexical", "--json"])
    assert found.exit_code == 0, found.output
    assert json.loads(found.output)["results"][0]["title"] == title
    stats = CliRunner().invoke(app, ["stats", "--home", str(home), "--json"])
    assert stats.exit_code == 0 and json.loads(stats.output)["papers"] == 150
    with TestClient(create_app(load_settings(home, tagger=False))) as client:
        response = client.get("/search", params={"q": title, "mode": "lexical"})
        assert response.status_code == 200 and response.json()["results"][0]["title"] == title
    src = tmp_path / "x.jsonl"
    src.write_bytes(_records(1))
    write = CliRunner().invoke(app, ["ingest", str(src), "--home", str(home), "--no-tagger"])
    assert write.exit_code == 1 and "read-only" in write.output and "Traceback" not in write.output


def test_catalog_of_a_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "home" / "catalog.sqlite"
    open_catalog(path).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 999")
    conn.close()
    with pytest.raises(CatalogUnavailable, match="newer paperkg"):
        open_catalog(path)
    out = CliRunner().invoke(app, ["stats", "--home", str(path.parent)])
    assert out.exit_code == 1 and "newer paperkg" in out.output
