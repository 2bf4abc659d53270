"""Indexes are a function of the catalog: kill -9 between publishes, lying marks, concurrent writers, doctor."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.index.build import DENSE, dense_root, update_indexes
from paperkg.index.dense import DenseIndex
from paperkg.index.search import Searcher
from paperkg.index.sync import check
from paperkg.settings import load_settings
from paperkg.writelock import HomeBusy, writer_lock
from typer.testing import CliRunner

CLI = [sys.executable, "-c", "from paperkg.cli.main import run; run()"]


@pytest.fixture
def small_home_copy(small_home, tmp_path: Path):  # noqa: ANN001, ANN201
    """A private copy of the session's small home, free to break."""
    home = tmp_path / "home"
    shutil.copytree(small_home.home, home, ignore=shutil.ignore_patterns("*.jsonl", ".writer.lock"))
    return load_settings(home, tagger=False)


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    env.pop("PAPERKG_CRASH_AT", None)
    return {**env, **extra}


def _ingest(home: Path, src: Path, **env: str) -> subprocess.CompletedProcess:
    args = [*CLI, "ingest", str(src), "--home", str(home), "--no-tagger", "--json"]
    return subprocess.run(args, env=_env(**env), capture_output=True, text=True, timeout=600)


WORDS = (
    "galaxy protein lattice neural quantum graph enzyme turbulence market vaccine glacier photon polymer "
    "topology sparse robot language genome plasma crystal economy ocean fungal magnet catalyst fluid "
    "theorem cipher seismic orbit vision speech climate neuron battery laser wavelet kernel auction"
).split()


def _title(i: int) -> str:
    rng = random.Random(i)
    return " ".join(rng.sample(WORDS, 5)) + f" study {i}"


def _records(start: int, n: int) -> bytes:
    return b"".join(
        json.dumps(
            {
                "id": f"2402.{i:05d}",
                "title": _title(i),
                "abstract": f"Abstract of probe {i} about retrieval.",
                "authors": "A. Writer",
                "categories": "cs.IR",
            }
        ).encode()
        + b"\n"
        for i in range(start, start + n)
    )


# after-dense-mark is the case that resumed with "embedded 0" and a lexical index short of the new papers
@pytest.mark.parametrize("point", [pytest.param("after-dense-publish", marks=pytest.mark.slow), "after-dense-mark"])
def test_kill_between_dense_and_lexical_publish_is_repaired_by_the_next_ingest(tmp_path: Path, point: str) -> None:
    home = tmp_path / "home"
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_bytes(_records(0, 20))
    second.write_bytes(_records(20, 10))
    assert _ingest(home, first).returncode == 0
    killed = _ingest(home, second, PAPERKG_CRASH_AT=point)
    assert killed.returncode == -9, killed.stderr[-2000:]
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as cat:
        broken = check(cat, settings)
    assert not broken["ok"] and (broken["lexical"]["missing"] == 10 or broken["dense"]["missing"] == 10)
    doctor = CliRunner().invoke(app, ["doctor", "--home", str(home), "--json"])
    assert doctor.exit_code == 1 and json.loads(doctor.output)["ok"] is False

    resumed = _ingest(home, second)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    with open_catalog(settings.catalog_path) as cat:
        assert check(cat, settings)["ok"]
        searcher = Searcher(settings, cat)
        for i in range(0, 30):
            for mode in ("lexical", "dense"):
                hits = searcher.search(_title(i), k=3, mode=mode)
                assert f"2402.{i:05d}" in [h.paper.id for h in hits], (mode, i)
    doctor = CliRunner().invoke(app, ["doctor", "--home", str(home)])
    assert doctor.exit_code == 0 and "everything matches" in doctor.output


def test_marks_that_lie_and_doctor_repair(small_home_copy) -> None:  # noqa: ANN001
    settings = small_home_copy
    with open_catalog(settings.catalog_path) as cat:
        dense = DenseIndex.load(dense_root(settings))
        victims = sorted(dense.all_ids().tolist())[:3]
        dense.remove(victims)  # vectors gone, the catalog's marks still say "indexed"
        dense.save(dense_root(settings))
        assert not cat.index_pending(DENSE)  # the marks alone see nothing wrong
        report = check(cat, settings)
        assert report["dense"]["missing"] == 3 and not report["ok"]
    out = CliRunner().invoke(app, ["doctor", "--home", str(settings.home), "--repair", "--json"])
    assert out.exit_code == 0, out.output
    assert json.loads(out.output)["repaired"]["ok"] is True
    with open_catalog(settings.catalog_path) as cat:
        assert set(victims) <= set(DenseIndex.load(dense_root(settings)).all_ids().tolist())
        summary = update_indexes(cat, settings, progress=False)  # a further run has nothing to do
        assert summary.embedded == 0 and summary.removed == 0


def test_stats_json_counts_papers_in_each_index(small_home_copy) -> None:  # noqa: ANN001
    out = CliRunner().invoke(app, ["stats", "--home", str(small_home_copy.home), "--json"])
    stats = json.loads(out.output)
    assert stats["dense"] == stats["lexical"] == stats["papers"] > 0


def test_writer_lock_second_writer_waits_or_fails_clearly(tmp_path: Path) -> None:
    hold = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from paperkg.writelock import writer_lock\n"
            "with writer_lock(Path(sys.argv[1]), 'test holder'):\n    print('held', flush=True); time.sleep(3)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=_env(),
    )
    try:
        assert hold.stdout.readline().strip() == "held"
        with writer_lock(tmp_path, "probe", wait=False) as got:
            assert got is False
        with pytest.raises(HomeBusy, match=rf"pid {hold.pid}: test holder"):
            with writer_lock(tmp_path, "probe", wait=0.2):
                pass
        messages: list[str] = []
        started = time.monotonic()
        with writer_lock(tmp_path, "probe", notify=messages.append) as got:
            assert got is True and time.monotonic() - started > 0.5
        assert messages and "waiting" in messages[0] and f"pid {hold.pid}" in messages[0]
    finally:
        hold.wait(timeout=30)


def test_cli_ingest_with_concurrent_api_writes_ends_with_equal_id_sets(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient
    from paperkg.api.app import create_app

    home = tmp_path / "home"
    seed = tmp_path / "seed.jsonl"
    seed.write_bytes(_records(0, 5))
    assert _ingest(home, seed).returncode == 0
    bulk = tmp_path / "bulk.jsonl"
    bulk.write_bytes(_records(1000, 200))
    settings = load_settings(home, tagger=False, api_key="k")
    with TestClient(create_app(settings)) as client:
        cli = subprocess.Popen(
            [*CLI, "ingest", str(bulk), "--home", str(home), "--no-tagger", "--json"],
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

        def post(i: int) -> int:
            record = {"id": f"2403.{i:05d}", "title": f"Posted paper {i} qv{i}w", "abstract": "Posted."}
            return client.post("/papers", json=record, headers={"X-API-Key": "k"}).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(post, range(40)))
        out, err = cli.communicate(timeout=600)
    assert cli.returncode == 0, err[-2000:]
    assert codes == [200] * 40
    with open_catalog(settings.catalog_path) as cat:
        report = check(cat, settings)
        ids = {p.id for _pk, _h, p in cat.iter_papers()}
    new = {f"2402.{i:05d}" for i in range(1000, 1200)} | {f"2403.{i:05d}" for i in range(40)}
    assert new <= ids and len(ids) == 245
    assert report["dense"]["missing"] == report["lexical"]["missing"] == 0, report
    assert report["dense"]["extra"] == report["lexical"]["extra"] == 0, report
    assert report["dense"]["count"] == report["lexical"]["count"] == 245


def _serve(home: Path, port: int, **env: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*CLI, "serve", "--home", str(home), "--port", str(port)],
        env=_env(PAPERKG_API_KEY="k", PAPERKG_TAGGER="false", **env),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_up(url: str, proc: subprocess.Popen) -> None:
    import httpx

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("paperkg serve did not start")


def test_server_killed_mid_write_is_repaired_at_the_next_start(tmp_path: Path) -> None:
    import socket

    import httpx

    home = tmp_path / "home"
    seed = tmp_path / "seed.jsonl"
    seed.write_bytes(_records(0, 5))
    assert _ingest(home, seed).returncode == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    record = {"id": "2405.00001", "title": _title(4242), "abstract": "Posted while the server died."}
    server = _serve(home, port, PAPERKG_CRASH_AT="after-dense-mark")  # dies right after the dense publish
    try:
        _wait_up(url, server)
        with pytest.raises(httpx.HTTPError):
            httpx.post(f"{url}/papers", json=record, headers={"X-API-Key": "k"}, timeout=120)
        assert server.wait(timeout=60) == -9
    finally:
        if server.poll() is None:
            server.kill()
    server = _serve(home, port)
    try:
        _wait_up(url, server)  # start-up brings the indexes to the catalog
        for mode in ("lexical", "dense"):
            hits = httpx.get(f"{url}/search", params={"q": _title(4242), "mode": mode, "k": 3}, timeout=60).json()
            assert "2405.00001" in [h["id"] for h in hits["results"]], mode
        again = httpx.post(f"{url}/papers", json=record, headers={"X-API-Key": "k"}, timeout=120).json()
        assert again["status"] == "unchanged"
    finally:
        server.terminate()
        server.wait(timeout=30)
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as cat:
        report = check(cat, settings)
    assert report["ok"], report  # dense, lexical and the graph
