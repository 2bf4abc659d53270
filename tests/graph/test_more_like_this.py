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


def test_idf_boosted_more_like_this_weights_each_query_term_by_its_idf(lex) -> None:
    """Column 1 of `more_like_this` (the `bm25_idf` feature): each query word's BM25 column x its count x its
    Lucene idf, plus BIGRAM_WEIGHT x the same over the query's bigram columns, scaled by the best document;
    document frequencies counted here from the documents' own tokens, not read from the index."""
    import math

    from paperkg.index.lexical import tokenize

    seed = "Collaborative filtering from implicit feedback on music"
    n = len(DOCS)
    doc_tokens = []
    for _pk, text in DOCS:
        t = tokenize([text])
        inv = {i: w for w, i in t.vocab.items()}
        doc_tokens.append([inv[i] for i in t.ids[0]])

    def idf(df: int) -> float:
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    t = tokenize([seed])
    words = [{i: w for w, i in t.vocab.items()}[i] for i in t.ids[0]]
    expected = np.zeros(n)
    for w in set(words):
        df = sum(w in toks for toks in doc_tokens)
        column = lex.retriever.get_scores_from_ids(lex.retriever.get_tokens_ids([w]))
        expected += words.count(w) * idf(df) * np.asarray(column)
    bigram_matrix = lex.bigrams.matrix(lex.count).toarray()
    for a, b in set(zip(words, words[1:], strict=False)):
        cols, _counts = lex.bigram_query([a, b])
        if len(cols):
            df = sum(any(p == (a, b) for p in zip(toks, toks[1:], strict=False)) for toks in doc_tokens)
            expected += signals.BIGRAM_WEIGHT * idf(df) * bigram_matrix[:, cols[0]]
    expected /= expected.max()
    both = signals.more_like_this(lex, [seed])
    assert np.allclose(both[:, 1], expected, atol=1e-5)
    assert np.allclose(signals.mlt_scores(lex, [seed], idf_boost=True), expected, atol=1e-5)
    assert np.allclose(both[:, 0], signals.mlt_scores(lex, [seed]), atol=1e-6)
    # the boost changes the order of the scores, not only their scale: "music" (1 paper) outweighs "feedback"
    assert not np.allclose(both[:, 0], both[:, 1], atol=1e-3)
