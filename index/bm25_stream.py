"""BM25 (bm25s) built from a stream of documents with bounded memory: chunks are tokenized into ids of one
shared vocabulary, spilled to disk as compact (doc, term, tf) arrays, then scattered into the CSC score
matrix.

`bm25s.BM25.index` needs every document's tokens as Python lists at once (several GB at 2.9M abstracts).
Here the peak is one chunk of texts plus the vocabulary and per-term counters; the score matrix itself (8
bytes per distinct (document, term) pair, ~2 GB at 2.9M abstracts) is written through memory-mapped files in
a scratch folder. The scores equal bm25s' own (same tokenizer, idf and tf formulas; see
tests/index/test_bm25_stream.py).

Beside the words, each document's **bigrams** (two adjacent words after stemming and stop-word removal) get
their own BM25 columns, scored with the same idf and tf formulas and the document's word length, for
more-like-this (graph/signals.py: phrases such as "collaborative filtering" say more than its two words; +0.009
nDCG@10 out of fold on ACM-CR dev, graph/README.md). A bigram is the 64-bit key (first word id << 32 | second
word id); only bigrams found in 2+ documents are kept (one that occurs once links no two papers). Their
document frequencies are merged chunk by chunk, so memory grows with the number of distinct bigrams (16 bytes
each; a few million at 100k abstracts), not with the texts. Plain search reads only the word columns.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import scipy.sparse as sp
from tqdm import tqdm

CHUNK = 20_000  # documents tokenized at a time
IN_MEMORY_MAX = 50_000_000  # score-matrix entries kept in RAM (400 MB); larger matrices are memory-mapped files
MIN_BIGRAM_DF = 2  # a bigram in one document only matches that document: not kept


def lucene_idf(df: np.ndarray, n_docs: int, dtype: str) -> np.ndarray:
    """BM25 idf of bm25s' default "lucene" method, log(1 + (N - df + 0.5) / (df + 0.5)); 0 for unseen terms.

    Written out here rather than imported: bm25s keeps its scorers private (`bm25s.scoring._*`), and the
    equality test against bm25s' own index (tests/index/test_bm25_stream.py) fails if its formulas change."""
    d = df.astype(np.float64)
    idf = np.log1p((n_docs - d + 0.5) / (d + 0.5))
    return np.where(df > 0, idf, 0.0).astype(dtype)


def lucene_tfc(tf: np.ndarray, l_d: np.ndarray, l_avg: float, k1: float, b: float) -> np.ndarray:
    """BM25 term-frequency component of the "lucene" method: tf / (k1 * (1 - b + b * l_d / l_avg) + tf)."""
    return tf / (k1 * ((1 - b) + b * l_d / l_avg) + tf)


@dataclass(frozen=True, slots=True)
class Bigrams:
    """BM25 scores of the bigrams in 2+ documents: CSC columns (one per key, keys sorted) over documents."""

    keys: np.ndarray  # int64, sorted
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray

    @classmethod
    def empty(cls) -> Bigrams:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(1, np.int64))

    def matrix(self, n_docs: int) -> sp.csc_matrix:
        return sp.csc_matrix((self.data, self.indices, self.indptr), shape=(n_docs, len(self.keys)))

    def columns(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(column of each key that has one, the positions in `keys` it came from)."""
        if not len(self.keys) or not len(keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        col = np.minimum(np.searchsorted(self.keys, keys), len(self.keys) - 1)
        found = np.flatnonzero(self.keys[col] == keys)
        return col[found], found


def bigram_keys(ids: np.ndarray) -> np.ndarray:
    """64-bit keys of the adjacent pairs of word ids (in document order; ids below 2**31)."""
    ids = np.asarray(ids, dtype=np.int64)
    return (ids[:-1] << 32) | ids[1:] if len(ids) > 1 else np.zeros(0, dtype=np.int64)


def _merge_df(keys: np.ndarray, df: np.ndarray, new: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted distinct keys with their document counts, after adding one chunk's (doc-distinct) keys."""
    merged, inverse = np.unique(np.concatenate([keys, new]), return_inverse=True)
    weights = np.concatenate([df, np.ones(len(new), dtype=np.int64)])
    return merged, np.bincount(inverse, weights=weights, minlength=len(merged)).astype(np.int64)


def _chunks(docs: Iterable[tuple[int, str]], size: int) -> Iterator[tuple[list[int], list[str]]]:
    pks: list[int] = []
    texts: list[str] = []
    for pk, text in docs:
        pks.append(pk)
        texts.append(text)
        if len(texts) >= size:
            yield pks, texts
            pks, texts = [], []
    if texts:
        yield pks, texts


def build_streaming(
    docs: Iterable[tuple[int, str]],
    tokenize: Any,
    *,
    k1: float,
    b: float,
    scratch: Path | None = None,
    chunk: int = CHUNK,
    progress: bool = False,
    total: int | None = None,
    bigrams: bool = True,
) -> tuple[bm25s.BM25, np.ndarray, Bigrams, Path | None]:
    """(retriever, pks, bigram columns, scratch folder to delete once saved, or None); `tokenize` returns bm25s
    Tokenized. `bigrams=False` leaves the bigram columns empty (more-like-this then reads words only)."""
    work = Path(tempfile.mkdtemp(prefix=".bm25-", dir=scratch))
    vocab: dict[str, int] = {}
    df = np.zeros(1024, dtype=np.int64)
    lengths: list[np.ndarray] = []
    pk_parts: list[np.ndarray] = []
    parts: list[tuple[Path, int]] = []
    n_docs = 0
    bigram_key, bigram_df = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    bar = tqdm(total=total, desc="bm25 tokenize", unit=" docs", disable=not progress, leave=False)
    for pks, texts in _chunks(docs, chunk):
        tokens = tokenize(texts)
        inverse = {local: word for word, local in tokens.vocab.items()}
        remap = np.empty(len(inverse), dtype=np.int32)  # chunk-local id -> global id
        for local in range(len(inverse)):
            remap[local] = vocab.setdefault(inverse[local], len(vocab))
        if len(vocab) > len(df):
            df = np.concatenate([df, np.zeros(max(len(vocab), 2 * len(df)) - len(df), dtype=np.int64)])
        doc_col, term_col, tf_col, lens = [], [], [], np.zeros(len(texts), dtype=np.int32)
        bdoc_col, bkey_col, btf_col = [], [], []
        for row, ids in enumerate(tokens.ids):
            global_ids = remap[np.asarray(ids, dtype=np.int64)]
            terms, tf = np.unique(global_ids, return_counts=True)
            lens[row] = len(ids)
            doc_col.append(np.full(len(terms), n_docs + row, dtype=np.int32))
            term_col.append(terms.astype(np.int32))
            tf_col.append(tf.astype(np.int32))
            bkeys, btf = np.unique(bigram_keys(global_ids if bigrams else global_ids[:0]), return_counts=True)
            bdoc_col.append(np.full(len(bkeys), n_docs + row, dtype=np.int32))
            bkey_col.append(bkeys)
            btf_col.append(btf.astype(np.int32))
        terms = np.concatenate(term_col) if term_col else np.zeros(0, dtype=np.int32)
        df[: len(vocab)] += np.bincount(terms, minlength=len(vocab))
        bkey = np.concatenate(bkey_col) if bkey_col else np.zeros(0, dtype=np.int64)
        bigram_key, bigram_df = _merge_df(bigram_key, bigram_df, bkey)
        part = work / f"part{len(parts):05d}.npz"
        np.savez(
            part,
            doc=np.concatenate(doc_col),
            term=terms,
            tf=np.concatenate(tf_col),
            bdoc=np.concatenate(bdoc_col),
            bkey=bkey,
            btf=np.concatenate(btf_col),
        )
        parts.append((part, len(texts)))
        lengths.append(lens)
        pk_parts.append(np.asarray(pks, dtype=np.int64))
        n_docs += len(texts)
        bar.update(len(texts))
    bar.close()
    retriever = bm25s.BM25(k1=k1, b=b)
    if retriever.method != "lucene":  # the scores below are the lucene variant's
        raise ValueError(f"bm25s' default method is now {retriever.method!r}; streaming builds write 'lucene'")
    if n_docs == 0:
        shutil.rmtree(work, ignore_errors=True)
        return retriever, np.zeros(0, dtype=np.int64), Bigrams.empty(), None
    if "" not in vocab:  # bm25s' empty token: queries made only of unknown words score nothing
        vocab[""] = len(vocab)
    n_vocab = len(vocab)
    df = np.pad(df, (0, max(0, n_vocab - len(df))))[:n_vocab]
    doc_len = np.concatenate(lengths).astype(np.float32)
    avg_len = float(doc_len.mean())
    idf = lucene_idf(df, n_docs, retriever.dtype)
    keep = bigram_df >= MIN_BIGRAM_DF
    bigram_key, bigram_df = bigram_key[keep], bigram_df[keep]
    bigram_idf = lucene_idf(bigram_df, n_docs, retriever.dtype)
    in_memory = int(df.sum()) + int(bigram_df.sum()) <= IN_MEMORY_MAX
    data, indices, indptr, next_free = _allocate(df, retriever, None if in_memory else work / "words")
    bdata, bindices, bindptr, bnext = _allocate(bigram_df, retriever, None if in_memory else work / "bigrams")
    columns = Bigrams(bigram_key, bdata, bindices, bindptr)  # filled in place below
    bar = tqdm(total=n_docs, desc="bm25 scores", unit=" docs", disable=not progress, leave=False)
    for part, n_part in parts:
        with np.load(part) as z:
            doc, term, tf, bdoc, bkey, btf = (z[k] for k in ("doc", "term", "tf", "bdoc", "bkey", "btf"))
        scores = idf[term] * lucene_tfc(tf.astype(np.float32), doc_len[doc], avg_len, k1, b)
        _scatter(data, indices, next_free, term, doc, scores)
        col, found = columns.columns(bkey)  # bigrams of 2+ documents only
        bdoc, btf = bdoc[found], btf[found]
        scores = bigram_idf[col] * lucene_tfc(btf.astype(np.float32), doc_len[bdoc], avg_len, k1, b)
        _scatter(bdata, bindices, bnext, col, bdoc, scores)
        part.unlink()
        bar.update(n_part)
    bar.close()
    retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
    retriever.vocab_dict = vocab
    retriever.unique_token_ids_set = set(vocab.values())
    retriever.nonoccurrence_array = None
    pks = np.concatenate(pk_parts)
    if in_memory:
        shutil.rmtree(work, ignore_errors=True)
        return retriever, pks, columns, None
    return retriever, pks, columns, work


def _allocate(df: np.ndarray, retriever: bm25s.BM25, mapped: Path | None):
    """Empty CSC arrays for columns of these document frequencies (memory-mapped files under `mapped`), and
    each column's next free slot."""
    nnz = int(df.sum())
    indptr = np.zeros(len(df) + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    if mapped is None:
        data = np.zeros(nnz, dtype=retriever.dtype)
        indices = np.zeros(nnz, dtype=retriever.int_dtype)
    else:
        mapped.mkdir()
        data = np.lib.format.open_memmap(mapped / "data.npy", mode="w+", dtype=retriever.dtype, shape=(nnz,))
        indices = np.lib.format.open_memmap(mapped / "indices.npy", mode="w+", dtype=retriever.int_dtype, shape=(nnz,))
    return data, indices, indptr, indptr[:-1].copy()


def _scatter(data, indices, next_free: np.ndarray, col: np.ndarray, doc: np.ndarray, scores: np.ndarray) -> None:
    """Write one part's (column, document, score) entries into their columns' next free slots."""
    order = np.argsort(col, kind="stable")  # documents stay ascending inside each column
    c_sorted = col[order]
    counts = np.bincount(c_sorted, minlength=len(next_free))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = next_free[c_sorted] + (np.arange(len(order)) - starts[c_sorted])
    data[pos] = scores[order]
    indices[pos] = doc[order]
    next_free += counts
