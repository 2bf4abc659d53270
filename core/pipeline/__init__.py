"""The one place that runs the stages in order: ingest -> catalog -> indexes, tagger and graph (each reads the catalog).

`run_ingest` is the local run; `paperkg.pipeline.ray_run` the same run with JSON lines parsed, tagged and
embedded on Ray; `paperkg.pipeline.write` one record through the API; `paperkg.pipeline.evaluate` the retrieval
evaluation over a BEIR corpus ingested through `run_ingest`; `paperkg.pipeline.consistency` the repairs (server
start, `doctor --repair`); `merge_duplicates` and `index_late_writes` the follow-ups after a dedupe merge and after
an ingest. Each stage returns a frozen summary dataclass.
"""

from __future__ import annotations

from paperkg.pipeline.local import index_late_writes, merge_duplicates, run_ingest, run_tagger
from paperkg.pipeline.result import PipelineResult, RaySummary

__all__ = ["PipelineResult", "RaySummary", "index_late_writes", "merge_duplicates", "run_ingest", "run_tagger"]
