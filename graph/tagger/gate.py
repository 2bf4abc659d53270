"""Quality gate for the int8 tagger on this host: entity and relation F1 on a SciERC dev slice against fp32.

int8 kernels differ by CPU (AVX2, AVX-512 VNNI, AMX), so a build validated on one host says little about
another: the gate runs where the tagger runs, once per (artifact, host signature), and its result is cached
beside the artifact. Measured on AMD EPYC (AVX2), first 20 dev documents (110 sentences): fp32 entity F1
0.673, int8 0.656 (-0.017); relation F1 0.324 vs 0.300 (-0.024); on the whole dev file the gaps are -0.004 and
+0.006, so the tolerances below absorb slice noise while a broken build (per-tensor int8 on AVX2: token
cosine 0.94) would fail them.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from paperkg.graph.tagger.data import Document, default_data_dir, read_scierc
from paperkg.graph.tagger.scoring import score_documents
from paperkg.hostinfo import cpu_info

if TYPE_CHECKING:
    from paperkg.graph.tagger.inference import Tagger

GATE_DOCS = 20  # first documents of data/scierc/dev.json: a few seconds per path on 2 cores
NER_TOLERANCE = 0.03  # entity F1 of int8 may trail fp32 by at most this much on the slice
REL_TOLERANCE = 0.05  # relation F1 (fewer, noisier decisions)
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
            f"int8 tagger gate {verdict} on {self.cpu}: entity F1 {self.ner_fast:.3f} vs fp32 {self.ner_exact:.3f}"
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
    passed = (
        got["ner_f1"] >= ref["ner_f1"] - NER_TOLERANCE and got["rel_f1"] >= ref["rel_f1"] - REL_TOLERANCE
    )
    return GateResult(
        passed, round(ref["ner_f1"], 4), round(got["ner_f1"], 4), round(ref["rel_f1"], 4),
        round(got["rel_f1"], 4), len(docs), round(time.perf_counter() - started, 2), host.signature, host.model,
    )


def cache_path(artifact: Path) -> Path:
    """Where the gate result of an int8 artifact is kept on this host kind."""
    return artifact.with_name(f"{artifact.stem}.gate-{cpu_info().signature}.json")


def gate_artifact(artifact: Path, exact: Tagger, fast: Tagger, docs: list[Document] | None = None) -> GateResult | None:
    """The cached gate result for this artifact on this host, computed (and cached atomically) when missing.

    None when there is no dev slice to run (installed without the repository's data/)."""
    target = cache_path(artifact)
    if target.is_file():
        try:
            data = json.loads(target.read_text(encoding="utf-8"))
            if data.get("recipe") == _GATE_RECIPE:
                return GateResult(**data["result"])
        except (ValueError, KeyError, TypeError):
            pass  # unreadable or from an older recipe: run again
    docs = gate_documents() if docs is None else docs
    if not docs:
        return None
    result = compare(exact, fast, docs)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"recipe": _GATE_RECIPE, "result": asdict(result)}, indent=2), encoding="utf-8")
        os.replace(tmp, target)
    except OSError:
        pass  # a read-only cache only costs the next process another gate run
    return result
