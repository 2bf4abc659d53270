"""What a pipeline run did: one typed summary per stage, and the `--json` shape the CLI prints."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from paperkg.graph.build import BuildReport
    from paperkg.graph.tagger.pending import TagSummary
    from paperkg.index.build import IndexSummary
    from paperkg.ingest.run import IngestSummary


@dataclass(frozen=True, slots=True)
class RaySummary:
    """The Ray part of a run: JSON-lines inputs it read, papers its workers embedded and tagged, its seconds."""

    files: int = 0
    embedded: int = 0
    tagged: int = 0
    seconds: float = 0.0

    @property
    def notes(self) -> list[str]:
        """The run's remarks, the same lines the CLI prints after its figures."""
        notes = ["nothing new to do"] if self.idle else []
        if self.ingest.quarantined:
            notes.append(f"{self.ingest.quarantined} record(s) quarantined: see them with `paperkg quarantine`")
        return notes

    def to_json(self) -> dict[str, object]:
        return {
            "ray_files": self.files,
            "embedded_by_ray": self.embedded,
            "tagged_by_ray": self.tagged,
            "ray_seconds": round(self.seconds, 2),
        }


@dataclass(frozen=True, slots=True)
class PipelineResult:
    """Each stage's summary; None for a stage the run skipped."""

    ingest: IngestSummary
    index: IndexSummary | None = None
    tagger: TagSummary | None = None
    graph: BuildReport | None = None
    ray: RaySummary | None = None  # set by the Ray run

    @property
    def idle(self) -> bool:
        """No stage changed anything: nothing new ingested, tagged, embedded, removed or rebuilt."""
        return (
            self.ingest.changed == 0
            and (self.tagger is None or self.tagger.papers == 0)
            and (self.index is None or not (self.index.embedded or self.index.removed or self.index.lexical_rebuilt))
            and (self.graph is None or not self.graph.rebuilt)
        )

    @property
    def failed(self) -> bool:
        """Some input could not be read at all (the CLI exits non-zero)."""
        return bool(self.ingest.failed)

    @property
    def notes(self) -> list[str]:
        """The run's remarks, the same lines the CLI prints after its figures."""
        notes = ["nothing new to do"] if self.idle else []
        if self.ingest.quarantined:
            notes.append(f"{self.ingest.quarantined} record(s) quarantined: see them with `paperkg quarantine`")
        return notes

    def to_json(self) -> dict[str, object]:
        """The shape `paperkg ingest --json` prints (the Ray run's figures are part of "ingest")."""
        ingest = self.ingest.to_json()
        if self.ray is not None:
            ingest |= self.ray.to_json()
        return {
            "ingest": ingest,
            "index": None if self.index is None else self.index.to_json(),
            "tagger": None if self.tagger is None else dataclasses.asdict(self.tagger),
            "graph": None if self.graph is None else dataclasses.asdict(self.graph),
            "notes": self.notes,
        }
