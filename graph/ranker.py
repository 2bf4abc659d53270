"""Learned fusion for `recommend`: a linear model over the features of `signals.py`, shipped as JSON weights.

The weights are a logistic regression fitted on the ACM-CR dev co-citation seeds (`scripts/train_related.py`;
figures in graph/README.md). Scoring is standardisation plus a dot product, so a request costs nothing extra
and no pickle is ever loaded. Each named model lists its own features: `default` (text and graph), `text`
(text only: the ablation without the graph) and `graph` (graph only).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from paperkg.errors import BadInput
from paperkg.graph.signals import FEATURES, Signals

MODEL_PATH = Path(__file__).with_name("related_model.json")


@dataclass(frozen=True, slots=True)
class LinearRanker:
    name: str
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray

    def score(self, signals: Signals) -> np.ndarray:
        if not len(signals.pks):
            return np.zeros(0, dtype=np.float32)
        return ((signals.matrix(self.features) - self.mean) / self.scale) @ self.coef

    def contributions(self, signals: Signals, i: int) -> dict[str, float]:
        """Each feature's share of candidate i's score (standardised value x weight)."""
        x = (signals.matrix(self.features)[i] - self.mean) / self.scale
        return {f: round(float(v * w), 4) for f, v, w in zip(self.features, x, self.coef, strict=True)}

    def to_dict(self) -> dict:
        return {
            "features": list(self.features),
            "mean": [float(v) for v in self.mean],
            "scale": [float(v) for v in self.scale],
            "coef": [float(v) for v in self.coef],
        }

    @classmethod
    def from_dict(cls, name: str, data: dict) -> LinearRanker:
        features = tuple(data["features"])
        unknown = set(features) - set(FEATURES)
        if unknown:
            raise BadInput(f"ranker {name!r}: unknown features {sorted(unknown)}")
        arrays = [np.asarray(data[k], dtype=np.float64) for k in ("mean", "scale", "coef")]
        if any(len(a) != len(features) for a in arrays):
            raise BadInput(f"ranker {name!r}: mean, scale and coef must have one value per feature")
        mean, scale, coef = arrays
        return cls(name, features, mean, np.where(scale > 0, scale, 1.0), coef)


def fit(name: str, x: np.ndarray, y: np.ndarray, features: tuple[str, ...], c: float = 1.0) -> LinearRanker:
    """Logistic regression on standardised features (scikit-learn, used only when training)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:  # nothing to tell apart (no candidate, or no relevant one): a constant ranking
        n = len(features)
        return LinearRanker(name, features, np.zeros(n), np.ones(n), np.zeros(n))
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    model = LogisticRegression(C=c, max_iter=2000, class_weight="balanced")
    model.fit((x - mean) / scale, y)
    return LinearRanker(name, features, mean, scale, model.coef_[0].astype(np.float64))


@lru_cache(maxsize=4)
def _load(path: str, stamp: int) -> dict[str, LinearRanker]:
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return {name: LinearRanker.from_dict(name, spec) for name, spec in data.get("models", {}).items()}


def load_ranker(name: str = "default", path: Path | None = None) -> LinearRanker | None:
    """A named model from the weights file (None when the file or that model is missing)."""
    p = path or MODEL_PATH
    if not p.is_file():
        return None
    return _load(str(p), p.stat().st_mtime_ns).get(name)
