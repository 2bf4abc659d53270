"""Full-text passages: their own FAISS index, a paper-level passage signal for search, best-passage pointers.

Passages (PDF body text split by section with overlap, in the catalog) are embedded as "section. text" into
a separate index under `index_dir/passages`, keyed by passage pk. Search still ranks papers: a paper's best
passage score joins hybrid fusion as a third signal, and each hit can point at its best passage.

The index is brought up to date by diffing passage keys, not paper content hashes: re-ingesting a PDF
rewrites its passages (new pks, maybe new text) without changing the paper's metadata hash, so the
`index_state` rows the dense index uses would miss it. Each version stores, beside the vectors, an
`owners.npy` table (passage pk, paper pk, CRC-32 of the embedded text); a passage is re-embedded when its
(pk, CRC) pair is new, dropped when it is gone.
"""

from __future__ import annotations

import re
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import IndexNotReady
from paperkg.index import artifacts
from paperkg.index.artifacts import passages_root
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import load_encoder, spec_from_settings
from paperkg.index.fusion import Fused, minmax
from paperkg.settings import Settings
from tqdm import tqdm

PASSAGES = artifacts.PASSAGES
EMBED_CHUNK = 512  # passages embedded and added per step (~200 words each)
# The min-max normalised best-passage score is added to a paper's convex hybrid score with the dense weight
# (settings.fusion_weight; this default when none is given): a passage cosine is a dense match on body text,
# so it counts as much as one on the abstract. Additive, so a paper without passages (metadata-only) keeps
# its score. Not tuned: there are no full-text relevance judgments yet. Under RRF the passage ranking adds
# 1 / (rrf_k + rank) like the other retrievers.
PASSAGE_WEIGHT = 0.5
PASSAGES_PER_PAPER = 4  # passage hits fetched per wanted paper: papers hold many passages, keep enough papers
SNIPPET_CHARS = 300


def passage_input(section: str, text: str) -> str:
    """What is embedded: the heading gives the window its context ("4.2 Entity Extraction Models. ...")."""
    return f"{section}. {text}" if section else text


def _key(pks: np.ndarray, crcs: np.ndarray) -> np.ndarray:
    return (pks.astype(np.int64) << 32) | crcs.astype(np.int64)


@dataclass
class PassageIndex:
    """Passage vectors (ids = passage pk) and their owners: int64 rows (passage pk, paper pk, crc32)."""

    vectors: DenseIndex
    owners: np.ndarray

    @property
    def count(self) -> int:
        return self.vectors.count

    @classmethod
    def empty(cls, dim: int, encoder: dict[str, Any]) -> PassageIndex:
        return cls(DenseIndex.empty(dim, encoder), np.zeros((0, 3), dtype=np.int64))

    @classmethod
    def load(cls, root: Path, encoder: dict[str, Any] | None = None) -> PassageIndex:
        # vectors and owners read from one folder: a version published meanwhile cannot mix them
        folder = artifacts.current(root)
        if folder is None:
            raise IndexNotReady(f"no passage index under {root}; ingest PDFs, then run `paperkg reindex`")
        return cls.from_folder(folder, encoder)

    @classmethod
    def shared(cls, root: Path, encoder: dict[str, Any] | None = None) -> PassageIndex:
        """The published version, loaded once per process and version for every searcher: read-only."""
        missing = f"no passage index under {root}; ingest PDFs, then run `paperkg reindex`"
        return artifacts.shared(root, lambda folder: cls.from_folder(folder, encoder), missing)

    @classmethod
    def from_folder(cls, folder: Path, encoder: dict[str, Any] | None = None) -> PassageIndex:
        owners = np.load(folder / "owners.npy", allow_pickle=False).astype(np.int64).reshape(-1, 3)
        return cls(DenseIndex.from_folder(folder, encoder, what="passage"), owners)

    def save(self, root: Path) -> Path:
        folder = artifacts.new_version(root)
        artifacts.write_faiss(self.vectors.index, folder / "vectors.faiss")
        np.save(folder / "owners.npy", self.owners, allow_pickle=False)
        manifest = {
            **self.vectors.manifest,
            "count": self.count,
            "papers": int(len(np.unique(self.owners[:, 1]))),
        }
        if isinstance(self.vectors.index, faiss.IndexIVF):
            manifest.update(nlist=int(self.vectors.index.nlist), nprobe=int(self.vectors.index.nprobe))
        artifacts.publish(root, folder, manifest)
        return folder

    def passage_ids(self, paper_pks: set[int] | list[int]) -> np.ndarray:
        """Passage pks owned by the given papers."""
        wanted = np.fromiter(paper_pks, dtype=np.int64)
        return self.owners[np.isin(self.owners[:, 1], wanted), 0]


@dataclass(slots=True)
class PassageSummary:
    embedded: int = 0
    removed: int = 0
    total: int = 0
    papers: int = 0
    kind: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "embedded": self.embedded,
            "removed": self.removed,
            "total": self.total,
            "papers": self.papers,
            "index": self.kind,
            "seconds": round(self.seconds, 2),
        }


def update_passages(
    catalog: Catalog, settings: Settings, *, rebuild: bool = False, progress: bool = True
) -> PassageSummary:
    """Embed new or changed passages and drop deleted ones; no model load when nothing changed."""
    started = time.perf_counter()
    summary = PassageSummary()
    root = passages_root(settings)
    spec = spec_from_settings(settings)
    index: PassageIndex | None = None
    if not rebuild:
        try:
            index = PassageIndex.load(root, spec.describe())
        except IndexNotReady:
            index = None
    if index is None and catalog.count_passages() == 0 and artifacts.current(root) is None:
        return summary  # no PDFs ingested: no passage index at all
    stored = set(_key(index.owners[:, 0], index.owners[:, 2]).tolist()) if index is not None else set()

    # one streamed pass over the passages: keep the key of each, the text only of those not yet indexed
    pks: list[int] = []
    todo: list[tuple[int, int, int, str]] = []
    for row in catalog.iter_passages():
        text = passage_input(row.section, row.text)
        crc = zlib.crc32(text.encode("utf-8"))
        pks.append(row.pk)
        if (row.pk << 32) | crc not in stored:
            todo.append((row.pk, row.paper_pk, crc, text))
    # passages no longer in the catalog; changed ones (same pk, new text) are in `todo`
    if index is not None:
        gone = index.owners[~np.isin(index.owners[:, 0], np.asarray(pks, dtype=np.int64)), 0]
    else:
        gone = np.zeros(0, dtype=np.int64)

    if index is None:
        index = PassageIndex.empty(load_encoder(spec).dim, spec.describe())
    elif not todo and not len(gone):
        summary.total, summary.kind = index.count, index.vectors.kind
        summary.papers = int(len(np.unique(index.owners[:, 1])))
        summary.seconds = time.perf_counter() - started
        return summary
    # a re-stored passage may reuse a pk (SQLite reuses the highest rowids): drop the old vector first
    drop = np.union1d(gone, np.asarray([t[0] for t in todo], dtype=np.int64))
    index.vectors.remove(drop.tolist())
    index.owners = index.owners[~np.isin(index.owners[:, 0], drop)]
    summary.removed = int(len(gone))
    if todo:
        encoder = load_encoder(spec)
        bar = tqdm(total=len(todo), desc="embed passages", unit=" passages", disable=not progress, leave=False)
        new_owners = []
        for start in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[start : start + EMBED_CHUNK]
            vectors = encoder.encode([t[3] for t in chunk], batch_size=settings.batch_size)
            index.vectors.add([t[0] for t in chunk], vectors)
            new_owners.append(np.asarray([t[:3] for t in chunk], dtype=np.int64))
            summary.embedded += len(chunk)
            bar.update(len(chunk))
        bar.close()
        index.owners = np.concatenate([index.owners, *new_owners])
    index.vectors.rebalance(settings.exact_index_max)
    index.save(root)
    summary.total, summary.kind = index.count, index.vectors.kind
    summary.papers = int(len(np.unique(index.owners[:, 1])))
    summary.seconds = time.perf_counter() - started
    return summary


# --- search ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class BestPassage:
    """Where in a paper's full text the query matches best."""

    passage_pk: int
    position: int
    section: str
    snippet: str
    score: float  # cosine of the query and the passage

    def to_dict(self) -> dict[str, object]:
        return {
            "position": self.position,
            "section": self.section,
            "snippet": self.snippet,
            "score": round(self.score, 4),
        }


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]+")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def snippet(text: str, query: str, width: int = SNIPPET_CHARS) -> str:
    """The `width`-character window of a passage holding most query words, cut at sentence or word starts."""
    if len(text) <= width:
        return text
    terms = {w.lower() for w in _WORD.findall(query) if len(w) > 2}
    starts = [0] + [m.end() for m in _SENTENCE_END.finditer(text)]
    hits = [m.start() for m in _WORD.finditer(text) if m.group().lower() in terms]
    best, best_count = 0, -1
    for s in starts:  # sentence starts first: a snippet reads best from the start of a sentence
        count = sum(s <= h < s + width for h in hits)
        if count > best_count:
            best, best_count = s, count
    for h in hits:  # a window starting at a query word, when it holds more of them
        count = sum(h <= x < h + width for x in hits)
        if count > best_count:
            best, best_count = h, count
    cut = text[best : best + width]
    if best + width < len(text):
        cut = cut[: cut.rfind(" ")] if " " in cut else cut
    return ("… " if best > 0 else "") + cut.strip() + (" …" if best + width < len(text) else "")


class FullText:
    """The loaded passage index for a searcher: paper-level passage scores and best-passage pointers.

    Without a passage index (no PDFs ingested) every method is a no-op: metadata-only catalogs search as
    before and their hits carry no passage.
    """

    def __init__(self, settings: Settings, catalog: Catalog, encoder: dict[str, Any] | None = None) -> None:
        self.settings = settings
        self.catalog = catalog
        encoder = encoder if encoder is not None else spec_from_settings(settings).describe()
        try:
            self.index: PassageIndex | None = PassageIndex.shared(passages_root(settings), encoder)
        except IndexNotReady:
            self.index = None
        self._owner: dict[int, int] | None = None

    def owner(self, passage_pk: int) -> int | None:
        if self._owner is None:
            assert self.index is not None
            self._owner = dict(zip(self.index.owners[:, 0].tolist(), self.index.owners[:, 1].tolist(), strict=True))
        return self._owner.get(passage_pk)

    def paper_scores(
        self, query_vector: np.ndarray, depth: int, allowed: set[int] | None = None
    ) -> list[tuple[int, float]]:
        """(paper pk, best passage cosine) for the papers owning the nearest passages, best first."""
        if self.index is None or self.index.count == 0:
            return []
        ids = None
        if allowed is not None:
            ids = set(self.index.passage_ids(allowed).tolist())
        hits = self.index.vectors.search(query_vector.reshape(1, -1), depth * PASSAGES_PER_PAPER, ids)[0]
        best: dict[int, float] = {}
        for pid, score in hits:  # hits come best first: the first passage of a paper is its best
            paper = self.owner(pid)
            if paper is not None and paper not in best:
                best[paper] = score
        return list(best.items())[:depth]

    def best_passages(self, query_vector: np.ndarray, paper_pks: list[int], query: str = "") -> dict[int, BestPassage]:
        """The best passage of each given paper that has any: exact cosines over its stored vectors."""
        if self.index is None or not paper_pks:
            return {}
        rows = self.index.owners[np.isin(self.index.owners[:, 1], np.asarray(paper_pks, dtype=np.int64))]
        if not len(rows):
            return {}
        scores = self.index.vectors.reconstruct(rows[:, 0].tolist()) @ np.asarray(query_vector, np.float32).ravel()
        winner: dict[int, tuple[int, float]] = {}
        for (pid, paper, _crc), s in zip(rows.tolist(), scores.tolist(), strict=True):
            if paper not in winner or s > winner[paper][1]:
                winner[paper] = (pid, s)
        out = {}
        for paper, (pid, score) in winner.items():
            row = next((p for p in self.catalog.passages_of(paper) if p.pk == pid), None)
            if row is not None:  # None: re-ingested since the index was built; the next reindex catches up
                out[paper] = BestPassage(pid, row.position, row.section, snippet(row.text, query), score)
        return out


def fuse_passages(
    ranked: list[Fused],
    passage_hits: list[tuple[int, float]],
    *,
    fusion: str,
    weight: float = PASSAGE_WEIGHT,
    rrf_k: int = 60,
) -> list[Fused]:
    """Add the passage signal to fused paper rankings: papers found only through their text join the list."""
    if not passage_hits:
        return ranked
    out = {f.pk: f for f in ranked}
    if fusion == "rrf":
        parts = [1.0 / (rrf_k + rank) for rank in range(1, len(passage_hits) + 1)]
    else:
        parts = [weight * n for n in minmax([s for _, s in passage_hits])]
    for (pk, _), part in zip(passage_hits, parts, strict=True):
        f = out.setdefault(pk, Fused(pk, 0.0))
        f.parts["passage"] = part
        f.score = sum(f.parts.values())
    return sorted(out.values(), key=lambda f: (-f.score, f.pk))
