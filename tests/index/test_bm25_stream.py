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
    got, pks, _bigrams, scratch = bm25_stream.build_streaming(
        iter(docs), tokenize, k1=1.2, b=0.75, chunk=64, scratch=tmp_path
    )
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


def _bigram_reference(docs, k1=1.2, b=0.75) -> dict[tuple[str, str], dict[int, float]]:
    """BM25 of each bigram (adjacent stemmed words) in 2+ documents, written out from the formulas: the
    lucene idf over documents, the tf part with the document's length in words. {bigram: {position: score}}"""
    words = [[w for w in doc] for doc in tokenize([t for _, t in docs]).ids]
    vocab = {i: w for w, i in tokenize([t for _, t in docs]).vocab.items()}
    words = [[vocab[i] for i in doc] for doc in words]
    lengths = np.asarray([len(w) for w in words], dtype=np.float64)
    tf: dict[tuple[str, str], dict[int, int]] = {}
    for pos, ws in enumerate(words):
        for pair in zip(ws, ws[1:], strict=False):
            tf.setdefault(pair, {}).setdefault(pos, 0)
            tf[pair][pos] += 1
    n = len(docs)
    out = {}
    for pair, per_doc in tf.items():
        if len(per_doc) < 2:
            continue
        idf = np.log(1 + (n - len(per_doc) + 0.5) / (len(per_doc) + 0.5))
        out[pair] = {d: idf * c / (k1 * (1 - b + b * lengths[d] / lengths.mean()) + c) for d, c in per_doc.items()}
    return out


@pytest.mark.parametrize("in_memory_max", [10**9, 0])  # 0: the memory-mapped path
def test_bigram_columns_are_bm25_of_the_bigrams_in_two_or_more_documents(docs, monkeypatch, tmp_path, in_memory_max):
    monkeypatch.setattr(bm25_stream, "IN_MEMORY_MAX", in_memory_max)
    retriever, _pks, bigrams, _scratch = bm25_stream.build_streaming(
        iter(docs), tokenize, k1=1.2, b=0.75, chunk=64, scratch=tmp_path
    )
    ref = _bigram_reference(docs)
    assert len(bigrams.keys) == len(ref) > 100  # hapax bigrams are dropped, every other one is kept
    matrix = bigrams.matrix(len(docs)).toarray()
    vocab = retriever.vocab_dict
    for pair, want in ref.items():
        key = bm25_stream.bigram_keys(np.asarray([vocab[pair[0]], vocab[pair[1]]]))
        cols, found = bigrams.columns(key)
        assert len(found) == 1, pair
        col = matrix[:, cols[0]]
        assert sorted(np.flatnonzero(col).tolist()) == sorted(want), pair
        np.testing.assert_allclose([col[d] for d in sorted(want)], [want[d] for d in sorted(want)], rtol=1e-5)


def test_bigram_query_maps_a_text_to_its_known_bigrams(docs, tmp_path) -> None:
    index = LexicalIndex.build(iter(docs))
    index.save(tmp_path)
    loaded = LexicalIndex.load(tmp_path)
    assert loaded.manifest["format"] == 2 and loaded.manifest["bigrams"] == len(index.bigrams.keys) > 0
    text = tokenize([docs[3][1]])
    inv = {i: w for w, i in text.vocab.items()}
    words = [inv[i] for i in text.ids[0]]
    cols, counts = loaded.bigram_query(words)
    assert len(cols) > 0 and (counts >= 1).all()
    np.testing.assert_array_equal(loaded.bigrams.keys, index.bigrams.keys)
    # the document itself holds every bigram found for its own text
    column_docs = loaded.bigrams.matrix(loaded.count)[:, cols]
    assert (column_docs[3].toarray() > 0).all()
    # an unknown word breaks the chain: no bigram spans it
    i = next(i for i in range(len(words) - 1) if len(loaded.bigram_query(words[i : i + 2])[0]) == 1)
    assert len(loaded.bigram_query([words[i], "zzqxunknown", words[i + 1]])[0]) == 0


def test_a_first_format_index_loads_without_bigrams_and_is_rebuilt(tmp_path) -> None:
    """An index saved before the bigram columns (format 1: no `format` in its manifest, no bigram files)
    still serves search and more-like-this by words; `paperkg index` sees it as stale and rebuilds it."""
    from paperkg.index import artifacts
    from paperkg.index.artifacts import lexical_root
    from paperkg.index.build import lexical_digest
    from paperkg.settings import load_settings

    settings = load_settings(tmp_path, tagger=False)
    root = lexical_root(settings)
    index = LexicalIndex.build(iter([(1, "graph neural networks for molecules"), (2, "graph neural networks")]))
    index.manifest["catalog_digest"] = "abc"
    folder = index.save(root)
    assert lexical_digest(settings) == "abc"
    for f in folder.glob("bigram_*.npy"):
        f.unlink()
    manifest = {k: v for k, v in artifacts.read_manifest(folder).items() if k not in ("format", "bigrams")}
    artifacts.publish(root, folder, manifest)  # the same version, as the first format wrote it
    loaded = LexicalIndex.load(root)
    assert len(loaded.bigrams.keys) == 0 and loaded.search(["molecules"], 1)[0][0][0] == 1
    assert lexical_digest(settings) is None  # stale format: the next index run rebuilds it


def test_bigrams_can_be_left_out(docs) -> None:
    """`bigrams=False` (bulk builds where their document counts would not fit): word columns unchanged."""
    with_b = LexicalIndex.build(iter(docs))
    without = LexicalIndex.build(iter(docs), bigrams=False)
    assert len(without.bigrams.keys) == 0 < len(with_b.bigrams.keys)
    np.testing.assert_array_equal(without.retriever.scores["data"], with_b.retriever.scores["data"])
    assert without.search(["graph neural network"], 5) == with_b.search(["graph neural network"], 5)
