"""API fixtures: a copy of the small home with keyword annotations and a built graph, and a live server."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from paperkg.api.live import ServerDidNotStart, free_port, uvicorn_command, wait_healthy

# What a tagger would find, as (pattern, entity type): enough for entity pages, typed relations and a graph
# without training or loading a tagger model. Matched case-insensitively on each paper's title + abstract.
TERMS = [
    (r"large language models?|LLMs?", "Method"),
    (r"reinforcement learning", "Method"),
    (r"contrastive learning", "Method"),
    (r"multi-task learning", "Method"),
    (r"neural networks?", "Method"),
    (r"transformers?", "Method"),
    (r"Monte Carlo", "Method"),
    (r"density[- ]functional", "Method"),
    (r"lattice Boltzmann", "Method"),
    (r"segmentation", "Task"),
    (r"planning", "Task"),
    (r"classification", "Task"),
    (r"reward modeling", "Task"),
    (r"cross sections?", "Metric"),
    (r"accuracy", "Metric"),
    (r"LHC|Tevatron", "Material"),
    (r"graphite|graphene", "Material"),
    (r"benchmarks?|datasets?", "Material"),
]
REL = {("Method", "Task"): "USED-FOR", ("Material", "Method"): "USED-FOR", ("Metric", "Method"): "EVALUATE-FOR"}


@dataclass
class Mention:
    start: int
    end: int
    text: str
    type: str
    score: float = 0.9
    sentence: int = 0


@dataclass
class Relation:
    head: int
    tail: int
    type: str
    score: float = 0.8
    sentence: int = 0


def annotate(text: str) -> tuple[list[Mention], list[Relation]]:
    mentions = [
        Mention(m.start(), m.end(), m.group(0), typ)
        for pattern, typ in TERMS
        for m in re.finditer(rf"\b(?:{pattern})\b", text, flags=re.IGNORECASE)
    ]
    mentions.sort(key=lambda m: m.start)
    relations = []
    firsts: dict[str, int] = {}
    for i, m in enumerate(mentions):
        firsts.setdefault(m.type, i)
    for (head, tail), typ in REL.items():
        if head in firsts and tail in firsts:
            relations.append(Relation(firsts[head], firsts[tail], typ))
    return mentions, relations


@pytest.fixture(scope="session")
def web_home(small_home, tmp_path_factory: pytest.TempPathFactory):
    """The 150-paper small home, copied, with keyword mentions and relations and the graph built."""
    from paperkg.catalog import open_catalog
    from paperkg.graph.build import build_graph
    from paperkg.settings import load_settings

    home = copy_home(small_home.home, tmp_path_factory.mktemp("webhome"))
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        pks = catalog.tag_diff()
        papers = catalog.papers_by_pk(pks)
        hashes = catalog.hashes(pks)
        with catalog.transaction():
            for pk in pks:
                mentions, relations = annotate(papers[pk].text)
                catalog.replace_annotations(pk, hashes[pk], "keywords", mentions, relations)
        build_graph(catalog, settings)
    return settings


@pytest.fixture(scope="session")
def home_copy():
    """Copies a data home to write into: catalog, indexes, graph, the built int8 encoder (slow to rebuild)."""
    return copy_home


def copy_home(src: Path, dst: Path) -> Path:
    shutil.copy2(src / "catalog.sqlite", dst / "catalog.sqlite")
    for sub in ("index", "graph", "models"):
        if (src / sub).is_dir():
            shutil.copytree(src / sub, dst / sub)
    return dst


WEB_API_KEY = "browser-test-key"  # the live server's write key (collections are saved through it)


@pytest.fixture(scope="session")
def web_api_key() -> str:
    return WEB_API_KEY


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen
    log: Path


@pytest.fixture(scope="session")
def live_server(web_home, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """uvicorn serving the web home on a free loopback port (a real socket, as a browser needs)."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "uvicorn.log"
    env = {**_env(), "PAPERKG_HOME": str(web_home.home), "PAPERKG_TAGGER": "false", "PAPERKG_API_KEY": WEB_API_KEY}
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            uvicorn_command(port),
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            preexec_fn=_die_with_parent,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(url, proc)
    except ServerDidNotStart as exc:
        pytest.fail(f"uvicorn did not start ({exc}):\n{log.read_text(errors='replace')[-3000:]}")
    # the first search loads the embedding model: pay that here, not inside a browser step's timeout
    httpx.get(f"{url}/search", params={"q": "warm up"}, timeout=120).raise_for_status()
    yield LiveServer(url, proc, log)
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def _die_with_parent() -> None:
    """Linux: the server gets SIGTERM when pytest dies (killed, timed out), instead of lingering."""
    if sys.platform.startswith("linux"):
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _env() -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERKG_")}
    env.update(HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    return env
