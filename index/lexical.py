"""The BM25 index (bm25s): English stemming and stop words, stored without pickles, rebuilt from the catalog."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bm25s
import numpy as np
import Stemmer
from paperkg.errors import IndexNotReady
from paperkg.index import artifacts
from paperkg.index.bm25_stream import Bigrams, bigram_keys, build_streaming

_stemmer = Stemmer.Stemmer("english")

# BM25 parameters; see README "Retrieval evaluation" for the variants measured on SciFact.
DEFAULT_K1 = 1.2
DEFAULT_B = 0.75
TITLE_REPEAT = 1  # extra copies of the title in the indexed text (a cheap title-field boost)
# on-disk layout; 2 added the bigram columns. An index of another format is rebuilt by the next `paperkg index`
# or ingest (index/build.py), a matter of seconds to minutes: BM25 needs no model
FORMAT = 2
_BIGRAM_FILES = ("keys", "data", "indices", "indptr")


def tokenize(texts: list[str], *, progress: bool = False) -> Any:
    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer, show_progress=progress)


def document_text(title: str, abstract: str, title_repeat: int = TITLE_REPEAT) -> str:
    return " ".join([title] * (1 + title_repeat) + [abstract])


@dataclass
class LexicalIndex:
    retriever: bm25s.BM25
    pks: np.ndarray  # document position -> paper pk
    manifest: dict[str, Any]
    bigrams: Bigrams = field(default_factory=Bigrams.empty)
    scratch: Path | None = None  # memory-mapped build files of a large index, deleted once saved

    @property
    def count(self) -> int:
        return len(self.pks)

    @classmethod
    def build(
        cls,
        docs: Iterable[tuple[int, str]],
        *,
        k1: float = DEFAULT_K1,
        b: float = DEFAULT_B,
        progress: bool = False,
        total: int | None = None,
        bigrams: bool = True,
    ) -> LexicalIndex:
        # streamed in chunks with one shared vocabulary: memory stays bounded at millions of documents (the
        # bigram columns' document counts grow with the distinct bigrams: `bigrams=False` skips them)
        retriever, pks, columns, scratch = build_streaming(
            docs, tokenize, k1=k1, b=b, progress=progress, total=total, bigrams=bigrams
        )
        manifest = {
            "k1": k1,
            "b": b,
            "stemmer": "english",
            "stopwords": "en",
            "title_repeat": TITLE_REPEAT,
            "format": FORMAT,
            "bigrams": len(columns.keys),
        }
        return cls(retriever, pks, manifest, columns, scratch)

    def save(self, root: Path) -> Path:
        folder = artifacts.new_version(root)
        if self.count:
            self.retriever.save(str(folder / "bm25"), allow_pickle=False, show_progress=False)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        np.save(folder / "pks.npy", self.pks, allow_pickle=False)
        for name in _BIGRAM_FILES:
            np.save(folder / f"bigram_{name}.npy", getattr(self.bigrams, name), allow_pickle=False)
        artifacts.publish(root, folder, {**self.manifest, "count": self.count})
        return folder

    @classmethod
    def load(cls, root: Path) -> LexicalIndex:
        folder = artifacts.current(root)
        if folder is None:
            raise IndexNotReady(f"no lexical index under {root}; run `paperkg ingest` or `paperkg reindex`")
        return cls.from_folder(folder)

    @classmethod
    def from_folder(cls, folder: Path) -> LexicalIndex:
        manifest = artifacts.read_manifest(folder)
        pks = np.load(folder / "pks.npy", allow_pickle=False)
        if len(pks):
            retriever = bm25s.BM25.load(str(folder / "bm25"), allow_pickle=False)
        else:
            retriever = bm25s.BM25()
        bigrams = Bigrams.empty()
        if manifest.get("format", 1) >= 2:  # format 1 had no bigram columns: more-like-this uses words only
            bigrams = Bigrams(*(np.load(folder / f"bigram_{n}.npy", allow_pickle=False) for n in _BIGRAM_FILES))
        return cls(retriever, pks, manifest, bigrams)

    @classmethod
    def shared(cls, root: Path) -> LexicalIndex:
        """The published version, loaded once per process and version and shared by every reader: read-only."""
        missing = f"no lexical index under {root}; run `paperkg ingest` or `paperkg reindex`"
        return artifacts.shared(root, cls.from_folder, missing)

    def bigram_query(self, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """A tokenized text's bigrams as (bigram column, count) pairs; a word unknown to the index breaks the
        chain (no document holds a bigram with it)."""
        vocab = self.retriever.vocab_dict
        ids = np.asarray([vocab.get(w, -1) for w in words], dtype=np.int64)
        keys = bigram_keys(ids)
        keys = keys[(ids[:-1] >= 0) & (ids[1:] >= 0)] if len(keys) else keys
        keys, counts = np.unique(keys, return_counts=True)
        cols, found = self.bigrams.columns(keys)
        return cols, counts[found]

    def search(self, queries: list[str], k: int, allowed: set[int] | None = None) -> list[list[tuple[int, float]]]:
        """Top-k (paper pk, BM25 score) per query; documents with score 0 are not matches."""
        if self.count == 0 or k <= 0:
            return [[] for _ in queries]
        mask = None
        if allowed is not None:
            wanted = np.fromiter(allowed, dtype=np.int64, count=len(allowed))
            mask = np.isin(self.pks, wanted).astype(np.float32)
            if not mask.any():
                return [[] for _ in queries]
        tokens = tokenize(queries)
        if all(len(ids) == 0 for ids in tokens.ids):  # only stop words or punctuation: nothing to match
            return [[] for _ in queries]
        words = {i: w for w, i in tokens.vocab.items()}
        return [self._top(self.retriever.get_tokens_ids([words[i] for i in ids]), k, mask) for ids in tokens.ids]

    def _top(self, token_ids: list[int], k: int, mask: np.ndarray | None) -> list[tuple[int, float]]:
        """Top-k of one query among the documents that match it at all.

        Scores only the query terms' posting lists and selects among the non-zero scores, instead of
        bm25s.retrieve's partition of the whole collection plus its progress bars: 5-10x less work per query
        at 100k papers (scripts/bench_load.py)."""
        if not token_ids:
            return []
        scores = self.retriever.get_scores_from_ids(token_ids, weight_mask=mask)
        hits = np.flatnonzero(scores > 0)
        if len(hits) > k:
            hits = hits[np.argpartition(-scores[hits], k - 1)[:k]]
        # highest score first; ties by position, so results are deterministic
        hits = hits[np.lexsort((hits, -scores[hits]))]
        return [(int(pk), float(s)) for pk, s in zip(self.pks[hits], scores[hits], strict=True)]
