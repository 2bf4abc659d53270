"""Fusion of dense and lexical rankings: a convex combination of normalised scores (default) or RRF."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


@dataclass(slots=True)
class Fused:
    pk: int
    score: float
    dense: float | None = None  # cosine similarity
    lexical: float | None = None  # BM25 score
    dense_rank: int | None = None
    lexical_rank: int | None = None
    parts: dict[str, float] = field(default_factory=dict)  # each retriever's contribution to `score`


def minmax(scores: list[float]) -> list[float]:
    """Scores rescaled to 0..1 over one candidate list (all 1.0 when they are equal)."""
    if not scores:
        return []
    lo, hi = min(scores), max(scores)
    if hi - lo < 1e-9:
        return [1.0 for _ in scores]
    return [(s - lo) / (hi - lo) for s in scores]


def _collect(dense: list[tuple[int, float]], lexical: list[tuple[int, float]]) -> dict[int, Fused]:
    out: dict[int, Fused] = {}
    for rank, (pk, s) in enumerate(dense, start=1):
        out[pk] = Fused(pk, 0.0, dense=s, dense_rank=rank)
    for rank, (pk, s) in enumerate(lexical, start=1):
        f = out.setdefault(pk, Fused(pk, 0.0))
        f.lexical, f.lexical_rank = s, rank
    return out


def convex(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], weight: float = 0.5) -> list[Fused]:
    """weight * minmax(dense) + (1 - weight) * minmax(bm25); a document missing from a list gets 0 there.

    Min-max over each retriever's candidate list puts cosine and BM25 on one scale per query, so one
    weight works across queries (unlike raw scores, whose BM25 range depends on query length).
    """
    out = _collect(dense, lexical)
    for (pk, _), norm in zip(dense, minmax([s for _, s in dense]), strict=True):
        out[pk].parts["dense"] = weight * norm
    for (pk, _), norm in zip(lexical, minmax([s for _, s in lexical]), strict=True):
        out[pk].parts["lexical"] = (1 - weight) * norm
    for f in out.values():
        f.score = sum(f.parts.values())
    return sorted(out.values(), key=lambda f: (-f.score, f.pk))


def single(hits: list[tuple[int, float]], retriever: Literal["dense", "lexical"]) -> list[Fused]:
    """One retriever's own ranking: the score is its raw score (cosine or BM25), which is also its only part.

    Raw rather than min-max scores: a single list needs no common scale, and a cosine says more than a rank
    within this query's candidates.
    """
    out = _collect(hits, []) if retriever == "dense" else _collect([], hits)
    for pk, s in hits:
        out[pk].score = s
        out[pk].parts[retriever] = s
    return sorted(out.values(), key=lambda f: (-f.score, f.pk))


def rrf(dense: list[tuple[int, float]], lexical: list[tuple[int, float]], k: int = 60) -> list[Fused]:
    """Reciprocal-rank fusion: sum of 1 / (k + rank) over the lists a document appears in."""
    out = _collect(dense, lexical)
    for f in out.values():
        if f.dense_rank is not None:
            f.parts["dense"] = 1.0 / (k + f.dense_rank)
        if f.lexical_rank is not None:
            f.parts["lexical"] = 1.0 / (k + f.lexical_rank)
        f.score = sum(f.parts.values())
    return sorted(out.values(), key=lambda f: (-f.score, f.pk))
