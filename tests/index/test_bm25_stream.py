"""The streaming BM25 builder gives bm25s' own index (same scores and rankings), spilled to disk or not."""

from __future__ import annotations

import json

import bm25s
import numpy as np
import pytest
from paperkg.index import bm25_stream
from paperkg.index.lexical import LexicalIndex, document_text, tokenize


@pytest.fixture(scope="module")
def docs(sample_lines) -> list[tuple[int, str]]:
    recs = [json.loads(line) for line in sample_lines[:300]]
    out = [(10 + i, document_text(r["title"], r["abstract"])) for i, r in enumerate(recs)]
    out.append((9999, "the of and"))  # only stop words: an empty document
    return out


def _reference(docs):
    ref = bm25s.BM25(k1=1.2, b=0.75)
    ref.index(tokenize([t for _, t in docs]), show_progress=False)
    return ref


@pytest.mark.parametrize("in_memory_max", [10**9, 0])  # 0: the memory-mapped path
def test_streaming_equals_bm25s(docs, monkeypatch, tmp_path, in_memory_max) -> None:
    monkeypatch.setattr(bm25_stream, "IN_MEMORY_MAX", in_memory_max)
    got, pks, scratch = bm25_stream.build_streaming(iter(docs), tokenize, k1=1.2, b=0.75, chunk=64, scratch=tmp_path)
    assert pks.tolist() == [pk for pk, _ in docs]
    ref = _reference(docs)
    assert got.scores["num_docs"] == ref.scores["num_docs"]
    # same matrix up to the vocabulary's numbering: compare column by column through the words
    for word, col in ref.vocab_dict.items():
        gcol = got.vocab_dict[word]
        if col >= len(ref.scores["indptr"]) - 1:  # bm25s appends the empty token outside its matrix
            continue
        r = slice(ref.scores["indptr"][col], ref.scores["indptr"][col + 1])
        g = slice(got.scores["indptr"][gcol], got.scores["indptr"][gcol + 1])
        assert got.scores["indices"][g].tolist() == ref.scores["indices"][r].tolist(), word
        np.testing.assert_allclose(got.scores["data"][g], ref.scores["data"][r], rtol=1e-5)
    assert (scratch is None) == (in_memory_max > 0)


def test_lexical_index_round_trip(docs, tmp_path) -> None:
    index = LexicalIndex.build(iter(docs))
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    query = docs[5][1][:80]
    assert loaded.search([query], 3)[0][0][0] == docs[5][0]
    assert index.search([query], 5) == loaded.search([query], 5)


def test_empty_stream() -> None:
    index = LexicalIndex.build(iter([]))
    assert index.count == 0 and index.search(["anything"], 5) == [[]]


@pytest.mark.parametrize("k", [1, 5, 40])
def test_search_ranks_like_bm25s_retrieve(docs, k) -> None:
    """The posting-list top-k returns bm25s.retrieve's ranking and scores (matches only, score > 0)."""
    index = LexicalIndex.build(iter(docs))
    ref = _reference(docs)
    queries = ["graph neural network", "quantum", "large language models reasoning", docs[7][1][:60], "zzzq"]
    allowed = {pk for pk, _ in docs[::3]}
    for allow in (None, allowed):
        mask = None if allow is None else np.isin(index.pks, list(allow)).astype(np.float32)
        got = index.search(queries, k, allow)
        want_docs, want_scores = ref.retrieve(
            tokenize(queries), k=k, show_progress=False, weight_mask=mask, n_threads=0
        )
        for g, wd, ws in zip(got, want_docs, want_scores, strict=True):
            want = [(docs[d][0], float(s)) for d, s in zip(wd, ws, strict=True) if s > 0]
            np.testing.assert_allclose([s for _, s in g], [s for _, s in want], rtol=1e-5)
            if want:  # same documents, except that ties at the k-th score may be broken differently
                cut = want[-1][1] * (1 + 1e-5)
                assert {pk for pk, s in g if s > cut} == {pk for pk, s in want if s > cut}
            if allow is not None:
                assert {pk for pk, _ in g} <= allow
