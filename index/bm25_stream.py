"""BM25 (bm25s) built from a stream of documents with bounded memory: chunks are tokenized into ids of one
shared vocabulary, spilled to disk as compact (doc, term, tf) arrays, then scattered into the CSC score
matrix.

`bm25s.BM25.index` needs every document's tokens as Python lists at once (several GB at 2.9M abstracts).
Here the peak is one chunk of texts plus the vocabulary and per-term counters; the score matrix itself (8
bytes per distinct (document, term) pair, ~2 GB at 2.9M abstracts) is written through memory-mapped files in
a scratch folder. The scores equal bm25s' own (same tokenizer, idf and tf formulas; see
tests/index/test_bm25_stream.py).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
from tqdm import tqdm

CHUNK = 20_000  # documents tokenized at a time
IN_MEMORY_MAX = 50_000_000  # score-matrix entries kept in RAM (400 MB); larger matrices are memory-mapped files


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
) -> tuple[bm25s.BM25, np.ndarray, Path | None]:
    """(retriever, pks, scratch folder to delete once saved, or None); `tokenize` returns bm25s Tokenized."""
    work = Path(tempfile.mkdtemp(prefix=".bm25-", dir=scratch))
    vocab: dict[str, int] = {}
    df = np.zeros(1024, dtype=np.int64)
    lengths: list[np.ndarray] = []
    pk_parts: list[np.ndarray] = []
    parts: list[tuple[Path, int]] = []
    n_docs = 0
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
        for row, ids in enumerate(tokens.ids):
            terms, tf = np.unique(remap[np.asarray(ids, dtype=np.int64)], return_counts=True)
            lens[row] = len(ids)
            doc_col.append(np.full(len(terms), n_docs + row, dtype=np.int32))
            term_col.append(terms.astype(np.int32))
            tf_col.append(tf.astype(np.int32))
        terms = np.concatenate(term_col) if term_col else np.zeros(0, dtype=np.int32)
        df[: len(vocab)] += np.bincount(terms, minlength=len(vocab))
        part = work / f"part{len(parts):05d}.npz"
        np.savez(part, doc=np.concatenate(doc_col), term=terms, tf=np.concatenate(tf_col))
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
        return retriever, np.zeros(0, dtype=np.int64), None
    if "" not in vocab:  # bm25s' empty token: queries made only of unknown words score nothing
        vocab[""] = len(vocab)
    n_vocab = len(vocab)
    df = np.pad(df, (0, max(0, n_vocab - len(df))))[:n_vocab]
    doc_len = np.concatenate(lengths).astype(np.float32)
    avg_len = float(doc_len.mean())
    idf = lucene_idf(df, n_docs, retriever.dtype)
    nnz = int(df.sum())
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    if nnz <= IN_MEMORY_MAX:
        data = np.zeros(nnz, dtype=retriever.dtype)
        indices = np.zeros(nnz, dtype=retriever.int_dtype)
    else:
        data = np.lib.format.open_memmap(work / "data.npy", mode="w+", dtype=retriever.dtype, shape=(nnz,))
        indices = np.lib.format.open_memmap(work / "indices.npy", mode="w+", dtype=retriever.int_dtype, shape=(nnz,))
    next_free = indptr[:-1].copy()
    bar = tqdm(total=n_docs, desc="bm25 scores", unit=" docs", disable=not progress, leave=False)
    for part, n_part in parts:
        with np.load(part) as z:
            doc, term, tf = z["doc"], z["term"], z["tf"]
        scores = idf[term] * lucene_tfc(tf.astype(np.float32), doc_len[doc], avg_len, k1, b)
        order = np.argsort(term, kind="stable")  # documents stay ascending inside each term's column
        t_sorted = term[order]
        counts = np.bincount(t_sorted, minlength=n_vocab)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        pos = next_free[t_sorted] + (np.arange(len(order)) - starts[t_sorted])
        data[pos] = scores[order]
        indices[pos] = doc[order]
        next_free += counts
        part.unlink()
        bar.update(n_part)
    bar.close()
    retriever.scores = {"data": data, "indices": indices, "indptr": indptr, "num_docs": n_docs}
    retriever.vocab_dict = vocab
    retriever.unique_token_ids_set = set(vocab.values())
    retriever.nonoccurrence_array = None
    pks = np.concatenate(pk_parts)
    if nnz <= IN_MEMORY_MAX:
        shutil.rmtree(work, ignore_errors=True)
        return retriever, pks, None
    return retriever, pks, work
