"""Choosing the decoding biases on dev: how far to lower the "none" logit for entities and for relations.

Span classifiers trained on all spans see ~25 non-entities per entity and under-predict; shifting the
"none" logit is the usual remedy. The encoder runs once; only the cheap heads run per candidate value.
"""

from __future__ import annotations

import json
from pathlib import Path

from paperkg.artifacts import atomic_write_text
from paperkg.graph.tagger.artifact import CONFIG
from paperkg.graph.tagger.data import Document
from paperkg.graph.tagger.inference import Tagger
from paperkg.graph.tagger.scoring import score_documents

GRID = (0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0)


def tune_biases(tagger: Tagger, docs: list[Document], *, batch_size: int = 16) -> tuple[dict, dict]:
    """(best {"ner_bias", "rel_bias"}, dev summary with them): entity bias by entity F1, then relation
    bias by Rel+ F1 given that entity bias."""
    words = [[s.words for s in d.sentences] for d in docs]
    batches = [words[i : i + batch_size] for i in range(0, len(words), batch_size)]
    encoded = [tagger.encode_batch(b) for b in batches]

    def run(ner_bias: float, rel_bias: float) -> dict:
        preds = [p for b, e in zip(batches, encoded, strict=True) for p in tagger.decode(b, e, ner_bias, rel_bias)]
        return score_documents(docs, preds).summary()

    ner_bias = max(GRID, key=lambda v: (run(v, 0.0)["ner_f1"], -v))
    rel_bias = max(GRID, key=lambda v: (run(ner_bias, v)["rel_strict_f1"], -v))
    best = {"ner_bias": ner_bias, "rel_bias": rel_bias}
    return best, run(ner_bias, rel_bias)


def calibrate_artifact(model_dir: Path, dev_docs: list[Document]) -> dict:
    """Tune the decoding biases of a saved artifact on dev; record them and the dev scores in its config."""
    tagger = Tagger.load(model_dir, backend="torch")  # biases are tuned on the exact fp32 network
    before = score_documents(
        dev_docs, tagger.predict_sentences([[s.words for s in d.sentences] for d in dev_docs])
    ).summary()
    decoding, after = tune_biases(tagger, dev_docs)
    path = model_dir / CONFIG
    config = json.loads(path.read_text(encoding="utf-8"))
    config["decoding"] = decoding
    config["dev"] = _rounded(after)
    config["dev_without_calibration"] = _rounded(before)
    atomic_write_text(path, json.dumps(config, indent=2) + "\n")
    return {"decoding": decoding, "dev": after, "dev_without_calibration": before}


def _rounded(summary: dict) -> dict:
    return {k: round(v, 4) for k, v in summary.items() if isinstance(v, float)}
