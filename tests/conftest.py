"""Shared fixtures: the bundled sample, and a small data home built once per test session."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture(scope="session")
def sample_lines() -> list[bytes]:
    """The bundled sample's lines (real Kaggle-format records)."""
    with gzip.open(SAMPLE, "rb") as fh:
        return fh.read().splitlines(keepends=True)


@pytest.fixture(scope="session")
def small_home(tmp_path_factory: pytest.TempPathFactory, sample_lines: list[bytes]):
    """A data home with 150 sample papers (old and recent) ingested and indexed, without the tagger."""
    from paperkg.catalog import open_catalog
    from paperkg.pipeline import run_ingest
    from paperkg.settings import load_settings

    home = tmp_path_factory.mktemp("home")
    src = home / "slice.jsonl"
    src.write_bytes(b"".join(sample_lines[:75] + sample_lines[-75:]))
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        result = run_ingest(catalog, settings, [src], progress=False)
    assert result.ingest.new == 150
    return settings
