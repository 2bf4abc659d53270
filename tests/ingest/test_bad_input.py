"""Bad records are quarantined with their line and reason; the good ones around them go through."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.ingest.run import ingest_paths
from typer.testing import CliRunner

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _mixed_lines(sample_lines: list[bytes]) -> tuple[list[bytes], dict[int, str]]:
    """20 good real records with bad ones in between; returns lines and {line number: expected reason part}."""
    good = sample_lines[:20]
    rec = json.loads(good[0])
    no_id = dict(rec, id=None)
    no_title = dict(rec, id="0704.9991", title="   ")
    bad_type = dict(rec, id="0704.9992", title=["not", "a", "string"])
    bad_versions = dict(rec, id="0704.9993", versions="v1")
    bad = {
        3: (b'{"id": "0704.9990", "title": "unterminated\n', "invalid JSON"),
        6: (json.dumps(no_id).encode() + b"\n", "id: missing"),
        9: (json.dumps(no_title).encode() + b"\n", "title: empty"),
        12: (json.dumps(bad_type).encode() + b"\n", "title: expected a string"),
        15: (b'{"id": "0704.9994", "title": "caf\xe9"}\n', "invalid UTF-8"),
        18: (json.dumps(bad_versions).encode() + b"\n", "versions: expected a list"),
        21: (b"[1, 2, 3]\n", "expected a JSON object"),
    }
    lines: list[bytes] = []
    expected: dict[int, str] = {}
    it = iter(good)
    while len(lines) < len(good) + len(bad):
        n = len(lines) + 1
        if n in bad:
            lines.append(bad[n][0])
            expected[n] = bad[n][1]
        else:
            lines.append(next(it))
    return lines, expected


def test_mixed_file_quarantines_bad_lines_with_reasons(tmp_path: Path, sample_lines: list[bytes]) -> None:
    lines, expected = _mixed_lines(sample_lines)
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"".join(lines))
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], batch=4, progress=False)
        assert (summary.new, summary.quarantined, summary.failed) == (20, len(expected), ())
        assert cat.count_papers() == 20
        got = {int(e.location.split()[1]): e.reason for e in cat.quarantined()}
        assert set(got) == set(expected)
        for line, reason in expected.items():
            assert reason in got[line], (line, got[line])
        assert all(e.source == str(src.resolve()) for e in cat.quarantined())
        # re-running is a no-op: nothing new, nothing quarantined twice
        again = ingest_paths(cat, [src], progress=False)
        assert (again.new, again.updated, again.files_skipped) == (0, 0, 1)
        assert cat.count_quarantined() == len(expected)


def test_truncated_gzip_keeps_what_was_readable(tmp_path: Path, sample_lines: list[bytes]) -> None:
    full = gzip.compress(b"".join(sample_lines[:200]))
    src = tmp_path / "cut.jsonl.gz"
    src.write_bytes(full[: len(full) // 2])
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert summary.failed == ()
        assert 50 < summary.new < 200
        reasons = [e.reason for e in cat.quarantined()]
        assert any("compressed" in r or "invalid JSON" in r for r in reasons)


def test_malformed_xml_record_between_good_ones(tmp_path: Path) -> None:
    text = (FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml").read_text(encoding="utf-8")
    # break the second record only: an unclosed element inside it
    first_end = text.index("</record>") + len("</record>")
    second_title = text.index("<title>", first_end)
    broken = text[:second_title] + "<title><b>unclosed" + text[second_title + len("<title>") :]
    src = tmp_path / "broken.xml"
    src.write_text(broken, encoding="utf-8")
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert (summary.new, summary.quarantined) == (2, 1)
        (entry,) = cat.quarantined()
        assert entry.reason.startswith("malformed XML") and entry.location.startswith("line ")


def test_truncated_xml_file(tmp_path: Path) -> None:
    text = (FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml").read_text(encoding="utf-8")
    src = tmp_path / "cut.xml"
    src.write_text(text[: int(len(text) * 0.6)], encoding="utf-8")
    with open_catalog(tmp_path / "home" / "catalog.sqlite") as cat:
        summary = ingest_paths(cat, [src], progress=False)
        assert summary.new >= 1 and summary.quarantined == 1
        assert "truncated" in cat.quarantined()[0].reason


def test_cli_exit_status_and_listing(tmp_path: Path, sample_lines: list[bytes]) -> None:
    lines, expected = _mixed_lines(sample_lines)
    src = tmp_path / "mixed.jsonl"
    src.write_bytes(b"".join(lines))
    home = tmp_path / "home"
    runner = CliRunner()
    ok = runner.invoke(app, ["ingest", str(src), "--home", str(home), "--no-index", "--no-tagger"])
    assert ok.exit_code == 0, ok.output
    assert "20 new" in ok.output and f"{len(expected)} quarantined" in ok.output
    listed = runner.invoke(app, ["quarantine", "--home", str(home), "--json"])
    assert len(json.loads(listed.output)) == len(expected)
    stats = json.loads(runner.invoke(app, ["stats", "--home", str(home), "--json"]).output)
    assert stats["papers"] == 20 and stats["quarantined"] == len(expected)
    # a mistyped path stops the run before anything is done or summarised (exit 2, the path named)
    other = tmp_path / "other.jsonl"
    other.write_bytes(b"".join(sample_lines[-3:]))
    missing = runner.invoke(
        app, ["ingest", str(tmp_path / "nope.jsonl"), str(other), "--home", str(home), "--no-index", "--no-tagger"]
    )
    assert missing.exit_code == 2
    assert "nope.jsonl" in missing.output and "new" not in missing.output
    assert json.loads(runner.invoke(app, ["stats", "--home", str(home), "--json"]).output)["papers"] == 20
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00\x01binary")
    assert runner.invoke(app, ["ingest", str(junk), "--home", str(home), "--no-index", "--no-tagger"]).exit_code == 2
