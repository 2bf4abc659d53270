"""End to end through the CLI on the bundled sample: ingest -> index -> search -> stats, and a no-op re-run."""

from __future__ import annotations

import json
from pathlib import Path

from paperkg.cli.main import app
from typer.testing import CliRunner


def _json(output: str) -> object:
    return json.loads(output[output.index("{") :])


def test_cli_end_to_end(tmp_path: Path, sample_lines: list[bytes]) -> None:
    src = tmp_path / "sample.jsonl"
    src.write_bytes(b"".join(sample_lines[:100] + sample_lines[-100:]))
    home = str(tmp_path / "home")
    runner = CliRunner()
    first = runner.invoke(app, ["ingest", str(src), "--home", home, "--no-tagger", "--json"])
    assert first.exit_code == 0, first.output
    result = _json(first.output)
    assert result["ingest"]["new"] == 200 and result["index"]["embedded"] == 200

    again = runner.invoke(app, ["ingest", str(src), "--home", home, "--no-tagger", "--json"])
    assert _json(again.output)["ingest"]["files_skipped"] == 1
    assert _json(again.output)["index"]["embedded"] == 0

    found = runner.invoke(
        app,
        [
            "search",
            "multi-view diffusion outpainting for sparse-view 3D reconstruction",
            "--home",
            home,
            "-k",
            "3",
            "--json",
        ],
    )
    assert found.exit_code == 0, found.output
    hits = _json(found.output)["results"]
    assert hits[0]["id"] == "2512.25073"  # GaMO, the paper whose title this query paraphrases
    table = runner.invoke(app, ["search", "diphoton", "--home", home, "--mode", "lexical", "-k", "2"])
    assert "0704.0001" in table.output
    bad = runner.invoke(app, ["search", "x", "--home", home, "--mode", "nope"])
    assert bad.exit_code != 0 and "--mode" in bad.output
    stats = _json(runner.invoke(app, ["stats", "--home", home, "--json"]).output)
    assert stats["papers"] == 200 and stats["quarantined"] == 0
    rebuilt = _json(runner.invoke(app, ["reindex", "--home", home]).output)
    assert rebuilt["embedded"] == 200 and rebuilt["dense_total"] == 200
