"""Evaluating a tagger artifact on a SciERC-format file (gold sentences, standard DyGIE++/PURE scoring)."""

from __future__ import annotations

import time
from pathlib import Path

from paperkg.graph.tagger.data import read_scierc
from paperkg.graph.tagger.inference import get_tagger
from paperkg.graph.tagger.scoring import score_documents


def evaluate_file(path: Path | str, *, model_dir: Path | str | None = None, batch_size: int = 16) -> dict:
    """Micro P/R/F1 for entities, Rel and Rel+, per-type tables; keys `ner_f1`, `rel_f1`, `rel_strict_f1`."""
    docs = read_scierc(path)
    tagger = get_tagger(model_dir)
    started = time.perf_counter()
    preds = tagger.predict_sentences([[s.words for s in d.sentences] for d in docs], batch_size=batch_size)
    seconds = time.perf_counter() - started
    summary = score_documents(docs, preds).summary()
    sentences = sum(len(d.sentences) for d in docs)
    summary.update(
        {
            "file": str(path),
            "model": tagger.version,
            "documents": len(docs),
            "sentences": sentences,
            "seconds": round(seconds, 2),
            "sentences_per_s": round(sentences / seconds, 1) if seconds else None,
        }
    )
    return summary
