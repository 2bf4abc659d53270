"""Predicted arXiv categories for papers without any (PDFs, BEIR corpora), learned from the labelled papers.

The predictor is a logistic regression on the papers' embeddings, combined with one on TF-IDF of the same
text by a weighted sum of log-probabilities (the weight chosen on a dev split of the training part,
scripts/bench_topics.py; C fixed). Predictions go to their own table, never to a paper's given categories."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import BadInput
from paperkg.settings import Settings

# EMB_WEIGHT: chosen on the dev split of the benchmark's training part (scripts/bench_topics.py prints it)
EMB_C = 8.0
TFIDF_C = 16.0
EMB_WEIGHT = 0.5
MIN_CLASS = 2  # a category seen once cannot be learned; its paper still counts in nothing else
TOP = 3


def tfidf_vectorizer():  # noqa: ANN201 - sklearn's TfidfVectorizer
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        sublinear_tf=True,
        min_df=3,
        max_df=0.5,
        ngram_range=(1, 2),
        max_features=50_000,
        stop_words="english",
        dtype=np.float32,
    )


def logreg(c: float, balanced: bool = False):  # noqa: ANN201 - sklearn's LogisticRegression
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=300, class_weight="balanced" if balanced else None)


@dataclass
class CategoryPredictor:
    """Logistic regressions on embeddings and on TF-IDF, fused; `emb_weight` 1.0 = embeddings only."""

    emb_c: float = EMB_C
    tfidf_c: float = TFIDF_C
    emb_weight: float = EMB_WEIGHT
    classes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    _emb: object = None
    _tfidf: object = None
    _vec: object = None

    @property
    def name(self) -> str:
        if self.emb_weight >= 1.0:
            return f"logreg-embeddings(C={self.emb_c:g})"
        return f"logreg-embeddings(C={self.emb_c:g})+tfidf(C={self.tfidf_c:g}),w={self.emb_weight:g}"

    def fit(self, vectors: np.ndarray, texts: list[str], labels: list[str]) -> CategoryPredictor:
        if len(set(labels)) < 2:
            raise BadInput("category prediction needs labelled papers of at least two categories")
        self._emb = logreg(self.emb_c).fit(vectors, labels)
        self.classes = self._emb.classes_  # type: ignore[attr-defined]
        if self.emb_weight < 1.0:
            self._vec = tfidf_vectorizer()
            x = self._vec.fit_transform(texts)  # type: ignore[attr-defined]
            self._tfidf = logreg(self.tfidf_c).fit(x, labels)
        return self

    def log_proba(self, vectors: np.ndarray, texts: list[str]) -> np.ndarray:
        """(n, classes) fused log-probabilities, columns in `self.classes` order."""
        log_p = self._emb.predict_log_proba(vectors)  # type: ignore[attr-defined]
        if self._tfidf is not None:
            log_t = self._tfidf.predict_log_proba(self._vec.transform(texts))  # type: ignore[attr-defined]
            log_p = self.emb_weight * log_p + (1 - self.emb_weight) * log_t
        return log_p

    def predict(self, vectors: np.ndarray, texts: list[str], top: int = TOP) -> list[list[tuple[str, float]]]:
        """The `top` categories per paper with a confidence (renormalised fused probability), best first."""
        log_p = self.log_proba(vectors, texts)
        log_p -= log_p.max(axis=1, keepdims=True)
        p = np.exp(log_p)
        p /= p.sum(axis=1, keepdims=True)
        order = np.argsort(-p, axis=1)[:, :top]
        return [[(str(self.classes[j]), round(float(p[i, j]), 4)) for j in row] for i, row in enumerate(order)]


@dataclass(slots=True)
class TopicsReport:
    labelled: int
    categories: int
    predicted: int
    model: str

    def as_dict(self) -> dict:
        return {
            "labelled": self.labelled,
            "categories": self.categories,
            "predicted": self.predicted,
            "model": self.model,
        }


def _vectors(settings: Settings, pks: list[int]) -> tuple[list[int], np.ndarray]:
    """The dense index's vectors of `pks` (papers not in the index are left out)."""
    from paperkg.index.vectors import VectorStore

    store = VectorStore.load(settings)  # IndexNotReady when nothing is indexed: say so, do not guess
    kept, rows = [], []
    for pk in pks:
        v = store.vector(pk)
        if v is not None:
            kept.append(pk)
            rows.append(v)
    dim = rows[0].shape[0] if rows else 0
    return kept, np.vstack(rows) if rows else np.zeros((0, dim), dtype=np.float32)


def predict_topics(catalog: Catalog, settings: Settings, *, refresh: bool = False) -> TopicsReport:
    """Train on the catalog's labelled papers and store top-3 predicted categories of the unlabelled ones
    (only those without a current prediction unless `refresh`)."""
    labelled = catalog.labelled_papers()
    counts = Counter(c for _pk, c in labelled)
    labelled = [(pk, c) for pk, c in labelled if counts[c] >= MIN_CLASS]
    todo = [pk for pk, _h in catalog.unlabelled_papers(stale_only=not refresh)]
    report = TopicsReport(len(labelled), len({c for _pk, c in labelled}), 0, "")
    if not todo:
        return report
    if report.categories < 2:
        raise BadInput("no model: the catalog needs labelled papers of at least two categories (2+ papers each)")
    train_pks, train_x = _vectors(settings, [pk for pk, _c in labelled])
    label_of = dict(labelled)
    todo_pks, todo_x = _vectors(settings, todo)
    papers = catalog.papers_by_pk(train_pks + todo_pks)
    model = CategoryPredictor().fit(train_x, [papers[pk].text for pk in train_pks], [label_of[pk] for pk in train_pks])
    report.model = f"{model.name} n={len(train_pks)}"
    ranked = model.predict(todo_x, [papers[pk].text for pk in todo_pks]) if todo_pks else []
    hashes = dict(catalog.unlabelled_papers())
    report.predicted = catalog.store_predictions(
        ((pk, hashes[pk], r) for pk, r in zip(todo_pks, ranked, strict=True)), report.model
    )
    return report
