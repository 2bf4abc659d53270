"""The Ray run's parse step is the ingest stage's own line parser (runs without Ray installed)."""

from __future__ import annotations

import json

import numpy as np
from paperkg.ingest.jsonl import parse_line
from paperkg.pipeline.ray_run import parse_batch
from paperkg.records import Paper


def test_parse_batch_gives_the_ingest_stages_papers_and_quarantine_reasons(sample_lines) -> None:
    lines = [line.decode("utf-8").rstrip("\n") for line in sample_lines[:3]] + ["{not json"]
    out = parse_batch({"text": np.asarray(lines, dtype=object)})
    assert [bool(p) for p in out["paper"]] == [True, True, True, False]
    for i, line in enumerate(lines[:3]):
        expected = parse_line(line.encode("utf-8"), 0).paper
        assert Paper(**json.loads(out["paper"][i])) == expected and out["text"][i] == expected.text
    assert out["error"][:3] == ["", "", ""] and out["error"][3].startswith("invalid JSON")
    assert out["text"][3] == "" and out["excerpt"][3] == "{not json"
