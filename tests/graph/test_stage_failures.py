"""Stages isolate papers: one the tagger or the encoder cannot process is recorded as failed, the rest go on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.graph.tagger import TagSummary, tag_pending
from paperkg.records import Paper
from paperkg.settings import load_settings
from typer.testing import CliRunner

GOOD = [
    Paper(
        id="2301.00001",
        title="Support vector machines for text classification",
        abstract="We apply support vector machines to text classification.",
        versions=["v1"],
    ),
    Paper(
        id="2301.00002",
        title="Neural machine translation",
        abstract="We propose an attention-based encoder-decoder model for machine translation.",
        versions=["v1"],
    ),
]
# stored by an older paperkg without size limits: spaCy refuses texts over 1,000,000 characters (E088)
HUGE = Paper(id="2301.00009", title="word " * 210_000, abstract="", versions=["v1"])


def test_a_paper_the_tagger_cannot_process_is_recorded_and_skipped(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        with cat.transaction():
            cat.upsert_papers([GOOD[0], HUGE, GOOD[1]])
        first = tag_pending(cat, progress=False)
        assert first.papers == 2 and first.failed == 1 and first.mentions > 0
        (failure,) = cat.stage_failures("tagger")
        assert failure.paper_id == HUGE.id and "E088" in failure.reason
        assert cat.stats()["failed_tagger"] == 1
        assert tag_pending(cat, progress=False) == TagSummary(papers=0, mentions=0, relations=0, failed=0)
        with cat.transaction():  # once fixed, the paper is tried again and its failure cleared
            cat.upsert_papers([Paper(id=HUGE.id, title="Speech recognition with HMMs", versions=["v2"])])
        assert tag_pending(cat, progress=False).papers == 1
        assert cat.stage_failures() == [] and cat.stats()["failed_tagger"] == 0


def test_a_paper_the_encoder_cannot_process_is_listed_and_the_rest_indexed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from paperkg.index import build
    from paperkg.index.sync import check

    real = build.load_encoder

    class Poisoned:
        def __init__(self, spec) -> None:  # noqa: ANN001
            self.inner = real(spec)
            self.dim = self.inner.dim

        def encode(self, texts: list[str], batch_size: int = 32):  # noqa: ANN201
            if any("POISON" in t for t in texts):
                raise RuntimeError("simulated encoder failure")
            return self.inner.encode(texts, batch_size=batch_size)

    monkeypatch.setattr(build, "load_encoder", Poisoned)
    settings = load_settings(tmp_path / "home", tagger=False)
    bad = Paper(id="2301.00005", title="POISON pill paper", versions=["v1"])
    with open_catalog(settings.catalog_path) as cat:
        with cat.transaction():
            cat.upsert_papers([*GOOD, bad])
        summary = build.update_indexes(cat, settings, progress=False)
        assert summary.embedded == 2 and summary.failed == 1
        report = check(cat, settings)
        assert report["dense"]["missing"] == 0 and report["dense"]["failed"] == 1
        assert report["lexical"]["count"] == 3
        assert build.update_indexes(cat, settings, progress=False).embedded == 0  # not retried unchanged
    out = CliRunner().invoke(app, ["failed", "--home", str(settings.home), "--json"])
    assert out.exit_code == 0
    (row,) = json.loads(out.output)
    assert row["id"] == bad.id and row["stage"] == "dense" and "simulated encoder failure" in row["reason"]
    stats = json.loads(CliRunner().invoke(app, ["stats", "--home", str(settings.home), "--json"]).output)
    assert stats["failed_dense"] == 1 and stats["dense"] == 2 and stats["lexical"] == 3
