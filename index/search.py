"""The search verb: dense, lexical or hybrid retrieval over the catalog, with filters and per-hit scores."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Literal, TypeVar

import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import PaperNotFound
from paperkg.index import artifacts, fusion
from paperkg.index.artifacts import dense_root, lexical_root
from paperkg.index.dense import DenseIndex
from paperkg.index.encoder import EncoderSpec, load_encoder, spec_from_settings
from paperkg.index.lexical import LexicalIndex
from paperkg.index.passages import FullText, fuse_passages
from paperkg.records import Paper
from paperkg.settings import Settings

T = TypeVar("T")
Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[str, ...] = ("hybrid", "dense", "lexical")


@dataclass(slots=True)
class Hit:
    """One ranked paper with the scores that put it there (the explanation of a search result)."""

    rank: int
    paper: Paper
    score: float
    dense: float | None = None
    lexical: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    parts: dict[str, float] = field(default_factory=dict)
    passage: dict[str, object] | None = None  # best full-text passage (search with passages=True)

    def to_dict(self) -> dict[str, object]:
        out: dict[str, object] = {
            "rank": self.rank,
            "id": self.paper.id,
            "score": round(self.score, 6),
            "title": self.paper.title,
            "authors": self.paper.authors,
            "categories": self.paper.categories,
            "year": self.paper.year,
            "submitted": self.paper.submitted,
            "abstract": self.paper.abstract,
            "why": {
                "dense_cosine": None if self.dense is None else round(self.dense, 4),
                "bm25": None if self.lexical is None else round(self.lexical, 4),
                "dense_rank": self.dense_rank,
                "lexical_rank": self.lexical_rank,
                "contributions": {k: round(v, 4) for k, v in self.parts.items()},
            },
        }
        if self.passage is not None:
            out["passage"] = self.passage
        return out


def shared_index(root: Path, load: Callable[[], T]) -> T:
    """One read-only copy of an index per process and published version (paperkg.artifacts.cached)."""
    if not artifacts.is_published(root):
        return load()  # nothing published: the loader raises its IndexNotReady
    return artifacts.cached(root, lambda _folder: load())


@lru_cache(maxsize=2048)
def _embed_query(spec: EncoderSpec, text: str, batch_size: int) -> np.ndarray:
    vector = load_encoder(spec).encode([text], batch_size=batch_size)[0]
    vector.setflags(write=False)
    return vector


class Searcher:
    """Holds the loaded indexes and the encoder; reload() after the indexes change on disk."""

    def __init__(self, settings: Settings, catalog: Catalog) -> None:
        self.settings = settings
        self.catalog = catalog
        self.spec = spec_from_settings(settings)
        self._dense_root, self._lexical_root = dense_root(settings), lexical_root(settings)
        self._fulltext: FullText | None = None

    @property
    def dense(self) -> DenseIndex:
        """The published dense index, shared by the process (a newer published version is picked up)."""
        return DenseIndex.shared(self._dense_root, self.spec.describe)

    @property
    def lexical(self) -> LexicalIndex:
        return LexicalIndex.shared(self._lexical_root)

    @property
    def fulltext(self) -> FullText:
        if self._fulltext is None:
            self._fulltext = FullText(self.settings, self.catalog, self.spec.describe())
        return self._fulltext

    def reload(self) -> None:
        self._fulltext = None  # the dense and lexical indexes follow their CURRENT pointers by themselves

    def embed(self, texts: list[str]) -> np.ndarray:
        if len(texts) == 1:  # interactive queries repeat: cache their vectors, not the rankings
            return _embed_query(self.spec, texts[0], self.settings.batch_size)[None, :]
        return load_encoder(self.spec).encode(texts, batch_size=self.settings.batch_size)

    def search(
        self,
        query: str,
        *,
        k: int = 10,
        mode: Mode = "hybrid",
        category: str | None = None,
        since: int | None = None,
        offset: int = 0,
        passages: bool = False,
        predicted: bool = False,
    ) -> list[Hit]:
        """Ranked papers; `passages` adds the full-text passage signal (hybrid) and a best passage per hit;
        `predicted` lets `category` match papers without categories by their predicted one."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; expected one of {', '.join(MODES)}")
        allowed = self.catalog.pks_matching(category=category, since=since, predicted=predicted)
        depth = max(self.settings.candidates, k + offset)
        dense_hits: list[tuple[int, float]] = []
        lexical_hits: list[tuple[int, float]] = []
        vector = self.embed([query]) if mode != "lexical" or passages else None
        if mode in ("hybrid", "dense"):
            dense_hits = self.dense.search(vector, depth, allowed)[0]
        if mode in ("hybrid", "lexical"):
            lexical_hits = self.lexical.search([query], depth, allowed)[0]
        if mode == "dense":
            ranked = fusion.single(dense_hits, "dense")
        elif mode == "lexical":
            ranked = fusion.single(lexical_hits, "lexical")
        elif self.settings.fusion == "rrf":
            ranked = fusion.rrf(dense_hits, lexical_hits, self.settings.rrf_k)
        else:
            ranked = fusion.convex(dense_hits, lexical_hits, self.settings.fusion_weight)
        if passages and mode == "hybrid":
            passage_hits = self.fulltext.paper_scores(vector, depth, allowed)
            ranked = fuse_passages(
                ranked,
                passage_hits,
                fusion=self.settings.fusion,
                weight=self.settings.fusion_weight,
                rrf_k=self.settings.rrf_k,
            )
        page = ranked[offset : offset + k]
        papers = self.catalog.papers_by_pk([f.pk for f in page])
        page = [f for f in page if f.pk in papers]
        best = self.fulltext.best_passages(vector, [f.pk for f in page], query) if passages else {}
        return [
            Hit(
                offset + i + 1,
                papers[f.pk],
                f.score,
                f.dense,
                f.lexical,
                f.dense_rank,
                f.lexical_rank,
                f.parts,
                best[f.pk].to_dict() if f.pk in best else None,
            )
            for i, f in enumerate(page)
        ]

    def similar(self, paper_id: str, *, k: int = 10) -> list[Hit]:
        """Nearest papers to a paper's own vector (itself excluded)."""
        pk = self.catalog.paper_pk(paper_id)
        if pk is None:
            raise PaperNotFound.unknown(paper_id)
        try:
            vector = self.dense.reconstruct([pk])
        except KeyError:
            paper = self.catalog.get_paper(paper_id)
            assert paper is not None
            vector = self.embed([paper.text])
        hits = [(p, s) for p, s in self.dense.search(vector, k + 1)[0] if p != pk][:k]
        papers = self.catalog.papers_by_pk([p for p, _ in hits])
        return [
            Hit(i + 1, papers[p], s, dense=s, dense_rank=i + 1, parts={"dense": s})
            for i, (p, s) in enumerate(hits)
            if p in papers
        ]
