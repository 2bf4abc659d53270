"""A run killed with SIGKILL and run again ends with exactly the catalog of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.ingest.run import ingest_paths


def _dump(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT id, title, abstract, authors, categories, versions, content_hash FROM papers ORDER BY id"
    ).fetchall()
    quarantine = "SELECT source, location, reason, 'q', '', '', '' FROM quarantine ORDER BY location"
    rows += conn.execute(quarantine).fetchall()
    rows += conn.execute("SELECT paper_pk, position, name, 'a', '', '', '' FROM paper_authors ORDER BY 1, 2").fetchall()
    conn.close()
    return rows


def _ingest_process(src: Path, home: Path) -> subprocess.Popen:
    code = (
        "import sys; from pathlib import Path; from paperkg.catalog import open_catalog; "
        "from paperkg.ingest.run import ingest_paths; "
        "c = open_catalog(Path(sys.argv[2]) / 'catalog.sqlite'); "
        "ingest_paths(c, [Path(sys.argv[1])], batch=25, progress=False)"
    )
    return subprocess.Popen([sys.executable, "-c", code, str(src), str(home)])


def _position(home: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{home / 'catalog.sqlite'}?mode=ro", uri=True, timeout=1)
        row = conn.execute("SELECT position FROM checkpoints").fetchone()
        conn.close()
        return int(row[0]) if row else 0
    except sqlite3.Error:
        return 0


def test_sigkill_then_resume_equals_uninterrupted(tmp_path: Path, sample_lines: list[bytes]) -> None:
    src = tmp_path / "dump.jsonl"
    # real records, one bad line, and a later newer version of an early paper
    lines = list(sample_lines[:1500])
    lines.insert(700, b'{"broken json\n')
    src.write_bytes(b"".join(lines * 2))  # every record twice: duplicates must not double up

    reference = tmp_path / "reference"
    with open_catalog(reference / "catalog.sqlite") as cat:
        ingest_paths(cat, [src], batch=25, progress=False)
    expected = _dump(reference / "catalog.sqlite")

    home = tmp_path / "killed"
    kills = 0
    for target in (100, 900, 1800, 2600):  # kill at several points of the run
        proc = _ingest_process(src, home)
        deadline = time.time() + 60
        while proc.poll() is None and _position(home) < target and time.time() < deadline:
            time.sleep(0.005)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            kills += 1
        proc.wait()
    assert kills >= 1
    with open_catalog(home / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], batch=25, progress=False)
        assert summary.failed == ()
    assert _dump(home / "catalog.sqlite") == expected
