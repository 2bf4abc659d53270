"""Related papers and seed-based recommendations: graph proximity fused with vector neighbours, each
explained.

Graph side: random walk with restart from the seed papers (`walk.py`). Vector side: the paper's (or the seeds'
centroid's) nearest neighbours in the dense index. Both candidate lists are merged and scored by a convex
combination of max-normalized graph scores and min-max-normalized cosines. Without a dense index the ranking
is graph-only and every explanation says so.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import BadInput, IndexNotReady, PaperNotFound
from paperkg.graph.build import KnowledgeGraph, load_graph
from paperkg.graph.walk import WalkConfig, personalized_pagerank
from paperkg.settings import Settings

NO_INDEX_NOTE = "vector index not ready: graph-only ranking"
NO_GRAPH_NOTE = "knowledge graph not built: vector-only ranking (run `paperkg graph build`)"


@dataclass(slots=True)
class SharedEntity:
    id: str
    name: str
    type: str
    weight: float  # inverse paper frequency: rarer shared entities say more


@dataclass(slots=True)
class Explanation:
    seed: str | None = None  # the seed paper that contributed most
    seed_contributions: dict[str, float] = field(default_factory=dict)
    shared_entities: list[SharedEntity] = field(default_factory=list)
    shared_authors: list[str] = field(default_factory=list)
    citations: list[str] = field(default_factory=list)  # "cites 2101.00001", "both cite doi:...", ...
    relation_path: list[str] = field(default_factory=list)  # [seed, -MENTIONS->, entity, -USED_FOR->, ...]
    vector_similarity: float | None = None
    graph_score: float = 0.0
    note: str | None = None


@dataclass(slots=True)
class Recommendation:
    id: str
    title: str
    score: float
    explanation: Explanation

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class FusionConfig:
    # convex weight of the normalized cosine (0 = graph only, 1 = vector only); 0.8 was the best fusion
    # weight on the dev half of both tasks of scripts/eval_recommend.py (4000 real arXiv records, README)
    vector_weight: float = 0.8
    candidates: int = 100
    negative_weight: float = 0.5
    # how graph scores are scaled before mixing: "max" (score / best score) or "sqrt" (square root of that,
    # which lifts the long tail of random-walk scores towards the cosines' spread)
    graph_norm: str = "max"
    walk: WalkConfig = field(default_factory=WalkConfig)


# --- vector store access (cached per process, refreshed when the index is republished) -------------------
_VECTORS: dict[str, tuple[object, object]] = {}
_VLOCK = threading.Lock()


def vector_store(settings: Settings):
    """The dense index's VectorStore, or None when no index exists (then ranking is graph-only)."""
    pointer: Path = settings.index_dir / "dense" / "CURRENT"
    if not pointer.is_file():
        return None  # never built: skip loading (which would fingerprint the model on every request)
    stamp = pointer.stat().st_mtime_ns
    key = str(settings.index_dir)
    with _VLOCK:
        cached = _VECTORS.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            from paperkg.index.vectors import VectorStore

            store = VectorStore.load(settings)
        except (IndexNotReady, ImportError):
            return None
        _VECTORS[key] = (stamp, store)
        return store


# --- public entry points --------------------------------------------------------------------------------
def related(
    catalog: Catalog, settings: Settings, paper_id: str, k: int = 10, config: FusionConfig | None = None
) -> list[Recommendation]:
    """Papers related to one paper."""
    return recommend(catalog, settings, [paper_id], [], k, config)


def recommend(
    catalog: Catalog,
    settings: Settings,
    positive: list[str],
    negative: list[str] | None = None,
    k: int = 10,
    config: FusionConfig | None = None,
    *,
    kg: KnowledgeGraph | None = None,
    store: object | None = None,
    only: set[int] | None = None,
) -> list[Recommendation]:
    """Papers close to the positive seeds and away from the negative ones; with `only` (paper keys), every
    one of those papers is scored and nothing else is (a feed ranks the new papers this way)."""
    cfg = config or FusionConfig()
    negative = negative or []
    if not positive:
        raise BadInput("at least one positive paper id is needed")
    if k < 1:
        raise BadInput("k must be at least 1")
    pos_pks = [_pk(catalog, pid) for pid in positive]
    neg_pks = [_pk(catalog, pid) for pid in negative]
    kg = kg if kg is not None else load_graph(settings)
    store = store if store is not None else vector_store(settings)
    exclude = set(pos_pks) | set(neg_pks)
    notes = []

    # graph: one walk per seed, so that each result can name the seed that brought it
    per_seed: dict[str, np.ndarray] = {}
    graph = None
    if kg is not None:
        rows = {pid: kg.paper_row(pk) for pid, pk in zip(positive, pos_pks, strict=True)}
        for pid, row in rows.items():
            if row is not None:
                per_seed[pid] = personalized_pagerank(kg, {row: 1.0}, cfg.walk)
        if per_seed:
            graph = sum(per_seed.values()) / len(per_seed)
            neg_rows = [r for r in (kg.paper_row(pk) for pk in neg_pks) if r is not None]
            if neg_rows:
                graph = graph - cfg.negative_weight * personalized_pagerank(
                    kg, {r: 1.0 for r in neg_rows}, cfg.walk
                )
            for pk in exclude:
                if (row := kg.paper_row(pk)) is not None:
                    graph[row] = 0.0
    else:
        notes.append(NO_GRAPH_NOTE)

    # vectors: centroid of the positives minus the centroid of the negatives
    seed_vecs: dict[str, np.ndarray] = {}
    query = None
    if store is not None:
        for pid, pk in zip(positive, pos_pks, strict=True):
            if (v := store.vector(pk)) is not None:
                seed_vecs[pid] = v
        neg_vecs = [v for v in (store.vector(pk) for pk in neg_pks) if v is not None]
        if seed_vecs:
            query = np.mean(list(seed_vecs.values()), axis=0)
            if neg_vecs:
                query = query - np.mean(neg_vecs, axis=0)
            query = (query / max(float(np.linalg.norm(query)), 1e-12)).astype(np.float32)
    if query is None:
        notes.append(NO_INDEX_NOTE)

    if graph is None and query is None:
        return []
    scored = _fuse(kg, store, graph, query, exclude, cfg, only)
    top = scored[:k]
    titles = catalog.paper_titles([pk for pk, *_ in top])
    out = []
    for pk, score, g, cos in top:
        explanation = _explain(kg, pk, positive, pos_pks, per_seed, seed_vecs, store, g, cos)
        explanation.note = "; ".join(notes) or None
        pid, title = titles.get(pk, (str(pk), ""))
        out.append(
            Recommendation(
                id=pid,
                title=title,
                score=round(float(score), 6),
                explanation=explanation,
            )
        )
    return out


def _pk(catalog: Catalog, paper_id: str) -> int:
    pk = catalog.paper_pk(paper_id)
    if pk is None:
        raise PaperNotFound.unknown(paper_id)
    return pk


# --- fusion ---------------------------------------------------------------------------------------------
def _fuse(
    kg: KnowledgeGraph | None,
    store,
    graph: np.ndarray | None,
    query: np.ndarray | None,
    exclude: set[int],
    cfg: FusionConfig,
    only: set[int] | None = None,
) -> list[tuple[int, float, float, float | None]]:
    """(pk, fused score, graph score, cosine) for the union of both candidate lists (or for `only`), best
    first."""
    g_by_pk: dict[int, float] = {}
    cos_by_pk: dict[int, float] = {}
    if only is not None:  # a fixed candidate set: both scores are filled in for each below
        candidates = set(only) - exclude
    elif graph is not None and kg is not None:
        positive = np.flatnonzero(graph > 0)
        if len(positive) > cfg.candidates:  # partial selection: a full sort of ~10^5 scores costs ~30 ms
            positive = positive[np.argpartition(-graph[positive], cfg.candidates)[: cfg.candidates]]
        top = positive[np.argsort(-graph[positive], kind="stable")]
        g_by_pk = {int(kg.paper_pks[r]): float(graph[r]) for r in top}
    if only is None and query is not None:
        cos_by_pk = {pk: float(s) for pk, s in store.search(query, cfg.candidates, exclude=exclude)}
    if only is None:
        candidates = (set(g_by_pk) | set(cos_by_pk)) - exclude
    if query is not None:
        for pk in candidates - set(cos_by_pk):
            if (v := store.vector(pk)) is not None:
                cos_by_pk[pk] = float(v @ query)
    if graph is not None and kg is not None:
        for pk in candidates - set(g_by_pk):
            row = kg.paper_row(pk)
            g_by_pk[pk] = float(graph[row]) if row is not None else 0.0
    g_max = max((v for v in g_by_pk.values() if v > 0), default=0.0)
    cos_vals = list(cos_by_pk.values())
    c_min, c_max = (min(cos_vals), max(cos_vals)) if cos_vals else (0.0, 0.0)
    w = (
        cfg.vector_weight
        if (query is not None and graph is not None)
        else (1.0 if query is not None else 0.0)
    )
    scored = []
    for pk in candidates:
        g = g_by_pk.get(pk, 0.0)
        cos = cos_by_pk.get(pk)
        g_norm = max(g, 0.0) / g_max if g_max > 0 else 0.0
        if cfg.graph_norm == "sqrt":
            g_norm = float(np.sqrt(g_norm))
        c_norm = (
            (cos - c_min) / (c_max - c_min) if cos is not None and c_max > c_min else (1.0 if cos else 0.0)
        )
        scored.append((pk, w * c_norm + (1 - w) * g_norm, g, cos))
    scored.sort(key=lambda t: (-t[1], t[0]))
    return scored


# --- explanations ---------------------------------------------------------------------------------------
def _explain(
    kg: KnowledgeGraph | None,
    pk: int,
    positive: list[str],
    pos_pks: list[int],
    per_seed: dict[str, np.ndarray],
    seed_vecs: dict[str, np.ndarray],
    store,
    g: float,
    cos: float | None,
) -> Explanation:
    ex = Explanation(graph_score=round(g, 8), vector_similarity=None if cos is None else round(cos, 4))
    row = kg.paper_row(pk) if kg is not None else None
    vec = store.vector(pk) if (store is not None and seed_vecs) else None
    contributions = {}
    for pid in positive:
        part = 0.0
        if row is not None and pid in per_seed:
            part += float(per_seed[pid][row])
        if vec is not None and pid in seed_vecs:
            part += max(float(vec @ seed_vecs[pid]), 0.0) * 1e-3  # tie-breaker when the graph is silent
        contributions[pid] = round(part, 8)
    ex.seed_contributions = contributions
    ex.seed = max(contributions, key=contributions.get) if contributions else None
    if kg is None or row is None or ex.seed is None:
        return ex
    seed_row = kg.paper_row(pos_pks[positive.index(ex.seed)])
    if seed_row is None:
        return ex
    ex.shared_entities = shared_entities(kg, seed_row, row)
    ex.shared_authors = _shared_cols(kg.wrote, seed_row, row, kg.authors)
    ex.citations = citation_links(kg, seed_row, row)
    if not ex.shared_entities:
        ex.relation_path = relation_path(kg, seed_row, row)
    return ex


def shared_entities(kg: KnowledgeGraph, a: int, b: int, limit: int = 8) -> list[SharedEntity]:
    m = kg.mentions
    common = np.intersect1d(
        m.indices[m.indptr[a] : m.indptr[a + 1]], m.indices[m.indptr[b] : m.indptr[b + 1]]
    )
    idf = kg.entity_idf
    ranked = sorted(common.tolist(), key=lambda j: (-idf[j], kg.entity_keys[j]))[:limit]
    return [
        SharedEntity(
            id=kg.entity_keys[j],
            name=kg.entity_names[j],
            type=kg.entity_types[j],
            weight=round(float(idf[j]), 3),
        )
        for j in ranked
    ]


def _shared_cols(m, a: int, b: int, names: list[str]) -> list[str]:
    common = np.intersect1d(
        m.indices[m.indptr[a] : m.indptr[a + 1]], m.indices[m.indptr[b] : m.indptr[b + 1]]
    )
    return [names[j] for j in common.tolist()]


def _node_id(kg: KnowledgeGraph, col: int) -> str:
    return kg.paper_ids[col] if col < kg.n_papers else kg.externals[col - kg.n_papers]


def citation_links(kg: KnowledgeGraph, seed: int, other: int, limit: int = 3) -> list[str]:
    c, cb = kg.cites, kg.cited_by
    out = []
    seed_refs = c.indices[c.indptr[seed] : c.indptr[seed + 1]]
    other_refs = c.indices[c.indptr[other] : c.indptr[other + 1]]
    if other in seed_refs:
        out.append(f"the seed cites {kg.paper_ids[other]}")
    if seed in other_refs:
        out.append(f"{kg.paper_ids[other]} cites the seed")
    both_cite = np.intersect1d(seed_refs, other_refs)[:limit]
    out += [f"both cite {_node_id(kg, j)}" for j in both_cite.tolist()]
    if seed < cb.shape[1] and other < cb.shape[1]:
        citers = np.intersect1d(
            cb.indices[cb.indptr[seed] : cb.indptr[seed + 1]],
            cb.indices[cb.indptr[other] : cb.indptr[other + 1]],
        )[:limit]
        out += [f"both cited by {kg.paper_ids[j]}" for j in citers.tolist()]
    return out


def _strongest_relation(kg: KnowledgeGraph, matrix, heads, tails: set[int], *, reverse: bool):
    """(count, head, tail, relation index, reverse) of the most frequent relation from heads into tails."""
    best = None
    for h in heads.tolist():
        row = slice(matrix.indptr[h], matrix.indptr[h + 1])
        for t, rel in zip(matrix.indices[row].tolist(), matrix.data[row].tolist(), strict=True):
            if t in tails:
                count = int(kg.rel_count[rel - 1])
                if best is None or count > best[0]:
                    best = (count, h, t, rel - 1, reverse)
    return best


def relation_path(kg: KnowledgeGraph, seed: int, other: int) -> list[str]:
    """seed -MENTIONS-> e1 -REL-> e2 <-MENTIONS- other, via the strongest relation between their entities."""
    m, r = kg.mentions, kg.relations
    ea = m.indices[m.indptr[seed] : m.indptr[seed + 1]]
    eb = set(m.indices[m.indptr[other] : m.indptr[other + 1]].tolist())
    best = _strongest_relation(kg, r, ea, eb, reverse=False)
    if best is None:
        rt = kg._cache.get("relations_t")
        if rt is None:
            # relations pointing from the other paper's entities to the seed's
            rt = kg._cache["relations_t"] = r.T.tocsr()
        best = _strongest_relation(kg, rt, ea, eb, reverse=True)
    if best is None:
        return []
    _count, h, t, i, reverse = best
    rel_name = kg.relation_type(int(kg.rel_type[i])).replace("-", "_")
    arrow = f"<-{rel_name}-" if reverse else f"-{rel_name}->"
    return [
        kg.paper_ids[seed],
        "-MENTIONS->",
        kg.entity_names[h],
        arrow,
        kg.entity_names[t],
        "<-MENTIONS-",
        kg.paper_ids[other],
    ]
