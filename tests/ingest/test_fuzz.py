"""Per-record isolation: hostile lines, truncated gzip, over-limit lines and failing batch writes lose nothing."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from fuzz_corpus import make_corpus
from paperkg.catalog import Catalog, open_catalog
from paperkg.cli.main import app
from paperkg.ingest.run import ingest_paths
from paperkg.limits import RecordLimits
from typer.testing import CliRunner


def _check_outcome(cat: Catalog, corpus) -> None:  # noqa: ANN001
    reasons = {e.location: e.reason for e in cat.quarantined(limit=100_000)}
    missing = {n: kind for n, kind in corpus.bad.items() if f"line {n}" not in reasons}
    assert not missing, f"corrupted lines not quarantined: {missing}"
    extra = [loc for loc in reasons if int(loc.split()[1]) not in corpus.bad]
    assert not extra, f"good lines quarantined: {[(loc, reasons[loc]) for loc in extra]}"
    for pid, (title, abstract) in corpus.expected.items():
        paper = cat.get_paper(pid)
        assert paper is not None, pid
        assert (paper.title, paper.abstract) == (title, abstract), pid
    assert cat.count_papers() == len(corpus.expected)


def test_fuzz_corpus_keeps_every_good_record_and_quarantines_every_bad_line(tmp_path: Path) -> None:
    corpus = make_corpus(400, seed=3, big=300_000)
    assert len({kind for kind in corpus.bad.values()}) >= 30
    src = tmp_path / "fuzz.jsonl"
    corpus.write(src)
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], batch=37, progress=False)  # small batches: bad lines in most
        assert summary.failed == ()
        _check_outcome(cat, corpus)
        reasons = {e.location: e.reason for e in cat.quarantined(limit=100_000)}
    by_kind = {kind: reasons[f"line {n}"] for n, kind in corpus.bad.items()}
    assert "max_title_chars" in by_kind["title 1 MB"]
    assert "NUL" in by_kind["NUL in title"]
    assert "surrogate" in by_kind["lone surrogate in title"]
    assert "nested too deeply" in by_kind["deep nesting 100,000 (object)"]
    assert "max_id_chars" in by_kind["id over max length"]
    assert not any(" at at " in r for r in reasons.values())


def test_cli_exit_zero_and_rerun_is_a_noop(tmp_path: Path) -> None:
    corpus = make_corpus(150, seed=5, big=200_000)
    src = tmp_path / "fuzz.jsonl.gz"
    src.write_bytes(gzip.compress(b"".join(corpus.lines)))
    args = ["ingest", str(src), "--home", str(tmp_path / "h"), "--no-index", "--no-tagger", "--no-graph", "--json"]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert json.loads(first.output)["ingest"]["quarantined"] == len(corpus.bad)
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0 and json.loads(again.output)["ingest"]["files_skipped"] == 1


@pytest.mark.parametrize("keep", [0.15, 0.5, 0.93])
def test_truncated_small_gzip_keeps_records_before_the_cut(
    tmp_path: Path, sample_lines: list[bytes], keep: float
) -> None:
    lines = sample_lines[:29]
    whole = gzip.compress(b"".join(lines))
    src = tmp_path / "cut.jsonl.gz"
    src.write_bytes(whole[: int(len(whole) * keep)])
    with gzip.open(src, "rb") as fh:  # what a tolerant reader can recover: the bytes before the cut
        recovered = b""
        try:
            while chunk := fh.read(1):
                recovered += chunk
        except EOFError:
            pass
    complete = recovered.count(b"\n")
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert summary.failed == ()
        assert cat.count_papers() == complete
        (entry,) = cat.quarantined()
    assert entry.location == f"line {complete + 1}"
    assert "end-of-stream" in entry.reason


def test_bom_crlf_and_blank_lines_are_accepted(tmp_path: Path, sample_lines: list[bytes]) -> None:
    src = tmp_path / "bom.jsonl"
    src.write_bytes(b"\xef\xbb\xbf" + sample_lines[0].rstrip() + b"\r\n\r\n   \n" + sample_lines[1])
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        ingest_paths(cat, [src], progress=False)
        assert cat.count_papers() == 2 and cat.count_quarantined() == 0


def test_overlong_line_is_skipped_in_chunks_and_named(tmp_path: Path, sample_lines: list[bytes]) -> None:
    src = tmp_path / "long.jsonl"
    huge = b'{"id": "2401.99999", "title": "' + b"x" * (3 << 20) + b'"}\n'
    src.write_bytes(sample_lines[0] + huge + sample_lines[1])
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        ingest_paths(cat, [src], progress=False, limits=RecordLimits(max_line_bytes=1 << 20))
        assert cat.count_papers() == 2
        (entry,) = cat.quarantined()
    assert entry.location == "line 2" and "max_line_bytes=1,048,576" in entry.reason


def test_a_failing_batch_write_is_retried_without_the_bad_record(
    tmp_path: Path, sample_lines: list[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever slips past validation and breaks the write costs that record only, not its batch."""
    victim = json.loads(sample_lines[4])["id"]
    original = Catalog.upsert_papers

    def upsert(self, papers):  # noqa: ANN001, ANN202
        papers = list(papers)
        if any(p.id == victim for p in papers):
            raise ValueError("simulated write failure")
        return original(self, papers)

    monkeypatch.setattr(Catalog, "upsert_papers", upsert)
    src = tmp_path / "ten.jsonl"
    src.write_bytes(b"".join(sample_lines[:10]))
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert summary.new == 9 and summary.quarantined == 1
        (entry,) = cat.quarantined()
        assert cat.get_paper(victim) is None
    assert entry.location == "line 5" and "simulated write failure" in entry.reason


def test_a_reader_crash_mid_file_keeps_what_was_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paperkg.ingest import detect as detect_mod
    from paperkg.ingest.items import Item
    from paperkg.records import Paper

    def reader(_path, _skip):  # noqa: ANN001, ANN202
        yield Item("line 1", paper=Paper(id="a-1", title="First"))
        raise MemoryError("simulated")

    monkeypatch.setattr("paperkg.ingest.run.detect", lambda p: ("json-lines", reader))
    assert detect_mod  # the real detector is what is replaced
    src = tmp_path / "x.jsonl"
    src.write_text("{}\n")
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert summary.new == 1
        (entry,) = cat.quarantined()
    assert entry.location == "record 2" and "MemoryError" in entry.reason
