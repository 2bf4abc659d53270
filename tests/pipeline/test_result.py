"""PipelineResult.to_json: the `paperkg ingest --json` shape, for the local and the Ray run."""

from __future__ import annotations

import json

from paperkg.graph.tagger import TagSummary
from paperkg.ingest.run import IngestSummary
from paperkg.pipeline import PipelineResult, RaySummary

INGEST_KEYS = ["files", "files_skipped", "new", "updated", "unchanged", "deleted", "quarantined", "failed"]


def test_summaries_add_up_and_print_the_documented_keys() -> None:
    a = IngestSummary(files=1, new=2, quarantined=1)
    b = IngestSummary(files=1, updated=3, failed=("b.jsonl: unreadable",))
    total = a + b
    assert (total.files, total.new, total.updated, total.quarantined) == (2, 2, 3, 1)
    assert total.failed == ("b.jsonl: unreadable",) and total.changed == 5

    local = PipelineResult(total, tagger=TagSummary(papers=2, mentions=7, relations=1))
    out = json.loads(json.dumps(local.to_json()))  # plain JSON types only
    assert list(out) == ["ingest", "index", "tagger", "graph", "notes"]
    assert list(out["ingest"]) == INGEST_KEYS and out["ingest"]["failed"] == ["b.jsonl: unreadable"]
    assert out["tagger"] == {"papers": 2, "mentions": 7, "relations": 1, "failed": 0}
    assert out["index"] is None and out["graph"] is None and local.failed

    ray = PipelineResult(a, ray=RaySummary(files=1, embedded=40, tagged=12, seconds=3.14159)).to_json()
    assert list(ray["ingest"]) == [*INGEST_KEYS, "ray_files", "embedded_by_ray", "tagged_by_ray", "ray_seconds"]
    assert (ray["ingest"]["embedded_by_ray"], ray["ingest"]["ray_seconds"]) == (40, 3.14)


def test_idle_only_when_no_stage_changed_anything() -> None:
    """`paperkg ingest` says "nothing new to do" only then (it said so after tagging 6,247 unchanged papers)."""
    from paperkg.graph.build import BuildReport
    from paperkg.graph.resolve import ResolveReport
    from paperkg.index.build import IndexSummary

    unchanged = IngestSummary(files=1, unchanged=5)
    quiet = BuildReport(resolve=ResolveReport(), rebuilt=False)
    assert PipelineResult(unchanged).idle
    assert PipelineResult(unchanged, index=IndexSummary(), tagger=TagSummary(), graph=quiet).idle
    assert not PipelineResult(IngestSummary(files=1, new=1)).idle
    assert not PipelineResult(unchanged, tagger=TagSummary(papers=6247, mentions=94186)).idle
    assert not PipelineResult(unchanged, index=IndexSummary(embedded=3)).idle
    assert not PipelineResult(unchanged, index=IndexSummary(removed=1)).idle
    # an unchanged corpus whose BM25 index was rebuilt in a newer format
    assert not PipelineResult(unchanged, index=IndexSummary(lexical_rebuilt=True)).idle
    assert not PipelineResult(unchanged, graph=BuildReport(resolve=ResolveReport(), rebuilt=True)).idle


def test_notes_say_what_the_cli_prints_after_the_figures() -> None:
    """`--json` carries the same remarks as the human output: idle runs and quarantined records."""
    unchanged = PipelineResult(IngestSummary(files=1, unchanged=5))
    assert unchanged.notes == ["nothing new to do"] and unchanged.to_json()["notes"] == unchanged.notes
    mixed = PipelineResult(IngestSummary(files=1, new=2, quarantined=3))
    assert mixed.notes == ["3 record(s) quarantined: see them with `paperkg quarantine`"]
    assert PipelineResult(IngestSummary(files=1, new=2)).notes == []
