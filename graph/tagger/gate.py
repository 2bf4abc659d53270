"""Quality gate for the int8 tagger on this host: entity and relation F1 on a SciERC dev slice against fp32.

int8 kernels differ by CPU (AVX2, AVX-512 VNNI, AMX), so a build validated on one host says little about
another: the gate runs where the tagger runs, once per (artifact, host signature), and its result is cached
beside the artifact. Measured on AMD EPYC (AVX2), all 50 dev documents (275 sentences): fp32 entity F1 0.658,
int8 0.654 (-0.004); relation F1 0.330 vs 0.336 (+0.006). On 10- and 20-document slices the gaps reached -0.017
and -0.024 (slice noise), so the whole file is used: a few seconds per path on an idle 2-core machine, and the
tolerances below are ~5x the measured gaps while a broken build (per-tensor int8 on AVX2, token cosine 0.94)
would fail them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperkg.graph.tagger.data import Document, default_data_dir, read_scierc
from paperkg.graph.tagger.scoring import score_documents
from paperkg.host_cache import cached_result
from paperkg.hostinfo import cpu_info

if TYPE_CHECKING:
    from paperkg.graph.tagger.inference import Tagger

GATE_DOCS = 50  # documents of data/scierc/dev.json (all of it: 275 sentences)
NER_TOLERANCE = 0.02  # entity F1 of int8 may trail fp32 by at most this much
REL_TOLERANCE = 0.03  # relation F1 (fewer, noisier decisions)
_GATE_RECIPE = f"v1:dev[:{GATE_DOCS}]:ner-{NER_TOLERANCE}:rel-{REL_TOLERANCE}"


@dataclass(frozen=True, slots=True)
class GateResult:
    passed: bool
    ner_exact: float
    ner_fast: float
    rel_exact: float
    rel_fast: float
    documents: int
    seconds: float
    host: str  # cpu signature (paperkg.hostinfo)
    cpu: str

    def notice(self) -> str:
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"tagger host gate {verdict} on {self.cpu}: entity F1 {self.ner_fast:.3f} vs fp32 {self.ner_exact:.3f}"
            f" (tol {NER_TOLERANCE}), relation F1 {self.rel_fast:.3f} vs {self.rel_exact:.3f} (tol {REL_TOLERANCE})"
        )


def gate_documents(path: Path | str | None = None, n: int = GATE_DOCS) -> list[Document]:
    """The bundled dev slice (repository data/scierc/dev.json); empty when the file is not there (a wheel)."""
    path = Path(path) if path else default_data_dir() / "dev.json"
    return read_scierc(path)[:n] if path.is_file() else []


def compare(exact: Tagger, fast: Tagger, docs: list[Document]) -> GateResult:
    """Entity and relation F1 of both taggers on docs; passed when int8 trails fp32 by no more than the tolerances."""
    started = time.perf_counter()
    words = [[s.words for s in d.sentences] for d in docs]
    ref = score_documents(docs, exact.predict_sentences(words)).summary()
    got = score_documents(docs, fast.predict_sentences(words)).summary()
    host = cpu_info()
    passed = got["ner_f1"] >= ref["ner_f1"] - NER_TOLERANCE and got["rel_f1"] >= ref["rel_f1"] - REL_TOLERANCE
    return GateResult(
        passed,
        round(ref["ner_f1"], 4),
        round(got["ner_f1"], 4),
        round(ref["rel_f1"], 4),
        round(got["rel_f1"], 4),
        len(docs),
        round(time.perf_counter() - started, 2),
        host.signature,
        host.model,
    )


def cache_path(artifact: Path) -> Path:
    """Where the gate result of an int8 artifact is kept on this host kind."""
    return artifact.with_name(f"{artifact.stem}.gate-{cpu_info().signature}.json")


def gate_artifact(artifact: Path, exact: Tagger, fast: Tagger, docs: list[Document] | None = None) -> GateResult | None:
    """The cached gate result for this artifact on this host, computed (and cached atomically) when missing.

    None when there is no dev slice to run (installed without the repository's data/)."""

    def run() -> GateResult | None:
        slice_ = gate_documents() if docs is None else docs
        return compare(exact, fast, slice_) if slice_ else None

    return cached_result(cache_path(artifact), {"recipe": _GATE_RECIPE}, GateResult, run)
