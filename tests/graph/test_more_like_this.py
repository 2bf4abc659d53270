"""BM25 more-like-this (graph/signals.py) reads phrases: a paper sharing the seed's bigrams ranks above one
that shares the same words in another order."""

from __future__ import annotations

import numpy as np
import pytest
from paperkg.graph import signals
from paperkg.index.lexical import LexicalIndex

DOCS = [
    (1, "Collaborative filtering with implicit feedback for music recommendation"),
    (2, "Implicit feedback in collaborative filtering and recommendation of songs"),
    (3, "Filtering noisy feedback: collaborative labelling, implicit recommendation of music"),  # same words
    (4, "Graph neural networks for molecule property prediction"),
    (5, "Neural networks on graphs predict molecule properties"),
    (6, "Protein folding with attention"),
]


@pytest.fixture(scope="module")
def lex() -> LexicalIndex:
    return LexicalIndex.build(iter(DOCS))


def test_a_shared_phrase_outranks_the_same_words_scattered(lex, monkeypatch) -> None:
    seed = "Collaborative filtering from implicit feedback"
    with_bigrams = signals.mlt_scores(lex, [seed])
    pos = {pk: i for i, pk in enumerate(lex.pks.tolist())}
    assert with_bigrams[pos[2]] > with_bigrams[pos[3]]
    assert with_bigrams[pos[4]] == 0.0 and with_bigrams[pos[6]] == 0.0
    monkeypatch.setattr(signals, "BIGRAM_WEIGHT", 0.0)
    words_only = signals.mlt_scores(lex, [seed])
    # by words alone the scattered paper is not behind by as much: the bigrams made the difference
    gap_words = words_only[pos[2]] - words_only[pos[3]]
    gap_bigrams = with_bigrams[pos[2]] - with_bigrams[pos[3]]
    assert gap_bigrams > gap_words + 0.05


def test_bigrams_of_one_paper_only_are_not_indexed(lex) -> None:
    # "protein folding" occurs once: it could only match its own paper
    cols, _ = lex.bigram_query(["protein", "fold"])
    assert len(cols) == 0
    cols, counts = lex.bigram_query(["collabor", "filter"])
    assert len(cols) == 1 and counts.tolist() == [1]
    docs = np.flatnonzero(lex.bigrams.matrix(lex.count)[:, cols].toarray().ravel())
    assert sorted(lex.pks[docs].tolist()) == [1, 2]


def test_an_index_without_bigram_columns_scores_by_words(lex) -> None:
    from paperkg.index.bm25_stream import Bigrams

    old = LexicalIndex(lex.retriever, lex.pks, dict(lex.manifest), Bigrams.empty())
    s = signals.mlt_scores(old, ["Collaborative filtering from implicit feedback"])
    assert s is not None and s.max() == pytest.approx(1.0)
