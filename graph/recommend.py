"""Related papers and seed-based recommendations: graph proximity fused with vector neighbours, each
explained.

Graph side: random walk with restart from the seed papers (`walk.py`). Vector side: the paper's (or the seeds'
centroid's) nearest neighbours in the dense index. Both candidate lists are merged and scored by a convex
combination of max-normalized graph scores and min-max-normalized cosines. Without a dense index the ranking
is graph-only and every explanation says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np
from paperkg.catalog import Catalog
from paperkg.errors import BadInput, IndexNotReady, PaperNotFound
from paperkg.graph.build import KnowledgeGraph, load_graph
from paperkg.graph.csr import row_cols, row_items
from paperkg.graph.ranker import LinearRanker, load_ranker
from paperkg.graph.signals import Signals, collect, families, lexical_index
from paperkg.graph.walk import WalkConfig
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
    lexical_score: float | None = None  # BM25 more-like-this, scaled by the best match of the seed
    signals: dict[str, float] = field(default_factory=dict)  # each feature's share of the learned score
    ranking: str | None = None  # the model or rule that ranked this list
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
    # "learned": the linear model of ranker.py over every signal (the default); "convex": the previous
    # w * minmax(cosine) + (1 - w) * walk / max(walk); "vector", "lexical", "graph": one family of signals
    # alone (the evaluation's ablations)
    ranking: str = "learned"
    model: str = "default"  # which model of graph/related_model.json "learned" uses
    # convex weight of the normalized cosine (0 = graph only, 1 = vector only); 0.8 was the best fusion
    # weight on the dev half of both tasks of scripts/eval_recommend.py (4000 real arXiv records, README)
    vector_weight: float = 0.8
    # per source (dense neighbours, BM25 more-like-this, graph walk) before ranking: 200 was +0.0037 nDCG@10 out of
    # fold over 100 on ACM-CR dev (text model 0.3290 -> 0.3327; 300: 0.3322), at p95 under 100 ms at 100k papers
    candidates: int = 200
    negative_weight: float = 0.5
    # how graph scores are scaled before mixing: "max" (score / best score) or "sqrt" (square root of that,
    # which lifts the long tail of random-walk scores towards the cosines' spread)
    graph_norm: str = "max"
    walk: WalkConfig = field(default_factory=WalkConfig)
    model_path: Path | None = None  # another weights file (training, tests)
    sources: tuple[str, ...] | None = None  # candidate sources; default: those the ranking reads


RANKINGS = ("learned", "convex", "vector", "lexical", "graph")
_SOURCES = {
    "learned": ("vector", "lexical", "graph"),
    "convex": ("vector", "graph"),
    "vector": ("vector",),
    "lexical": ("lexical",),
    "graph": ("graph",),
}


# --- vector store access (one copy per process and published version: paperkg.artifacts.cached) ---------
def vector_store(settings: Settings):
    """The dense index's VectorStore, or None when no index exists (then ranking is graph-only)."""
    from paperkg.index.artifacts import dense_root, is_published

    if not is_published(dense_root(settings)):
        return None  # never built: skip loading (which would fingerprint the model on every request)
    try:
        from paperkg.index.vectors import VectorStore

        return VectorStore.load(settings)
    except (IndexNotReady, ImportError):
        return None


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
    lexical: object | None = None,
    only: set[int] | None = None,
) -> list[Recommendation]:
    """Papers close to the positive seeds and away from the negative ones; with `only` (paper keys), every
    one of those papers is scored and nothing else is (a feed ranks the new papers this way)."""
    cfg = _checked(config or FusionConfig(), positive, k)
    negative = negative or []
    pos_pks = [_pk(catalog, pid) for pid in positive]
    neg_pks = [_pk(catalog, pid) for pid in negative]
    cfg, sources, wanted = _plan(cfg)
    # the graph is read for explanations whenever it exists; it scores only when the ranking reads it
    kg = kg if kg is not None else load_graph(settings)
    graph_scores = "graph" in wanted
    store = store if store is not None else (vector_store(settings) if "vector" in wanted else None)
    lex = lexical if lexical is not None else (lexical_index(settings) if "lexical" in wanted else None)
    has_text = store is not None or lex is not None
    ranker = _ranker(cfg, has_graph=kg is not None, has_text=has_text)
    if kg is not None and not has_text and not cfg.sources:
        # a home without text indexes: a graph-only model ranks if one ships, else the walk (convex with no
        # text), never nothing; decided here once, so the scores and the explanation's `ranking` agree
        if ranker is None and cfg.ranking != "graph":
            cfg, sources, graph_scores = replace(cfg, ranking="convex"), _SOURCES["convex"], True
        elif ranker is not None and "graph" in families(ranker.features):
            sources, graph_scores = ("graph",), True
    notes = _notes(kg is None and graph_scores, store is None and "vector" in sources)
    signals = collect(
        catalog,
        settings,
        kg if graph_scores else None,
        store,
        lex,
        positive,
        pos_pks,
        neg_pks,
        sources=sources,
        candidates=max(cfg.candidates, k),
        walk=cfg.walk,
        negative_weight=cfg.negative_weight,
        only=only,
    )
    if not len(signals.pks):
        return []
    scores = _score(signals, cfg, ranker, has_graph=kg is not None, has_text=has_text)
    order = np.lexsort((signals.pks, -scores))[:k]
    titles = catalog.paper_titles([int(signals.pks[i]) for i in order])
    seeds = _Seeds(positive, pos_pks, _seed_vectors(store, positive, pos_pks))
    out = []
    for i in order.tolist():
        pk = int(signals.pks[i])
        explanation = _explain_candidate(kg, store, lex, signals, i, seeds)
        if ranker is not None:
            explanation.signals = ranker.contributions(signals, i)
        explanation.ranking = ranker.name if ranker is not None else cfg.ranking
        explanation.note = "; ".join(notes) or None
        pid, title = titles.get(pk, (str(pk), ""))
        out.append(Recommendation(id=pid, title=title, score=round(float(scores[i]), 6), explanation=explanation))
    return out


def _checked(cfg: FusionConfig, positive: list[str], k: int) -> FusionConfig:
    """The request's problems as BadInput (400), before anything is loaded."""
    if not positive:
        raise BadInput("at least one positive paper id is needed")
    if k < 1:
        raise BadInput("k must be at least 1")
    if cfg.ranking not in RANKINGS:
        raise BadInput(f"unknown ranking {cfg.ranking!r}; expected one of {', '.join(RANKINGS)}")
    return cfg


def _plan(cfg: FusionConfig) -> tuple[FusionConfig, tuple[str, ...], set[str]]:
    """(config, candidate sources, signal families to load) of a ranking: the learned one falls back to the
    convex rule without a weights file, and reads only the families its model has features of."""
    if cfg.ranking == "learned" and load_ranker(cfg.model, cfg.model_path) is None:
        cfg = replace(cfg, ranking="convex")  # no weights file: exactly the previous default
    sources = cfg.sources or _SOURCES[cfg.ranking]
    wanted = set(sources)
    if cfg.ranking == "learned" and (model := load_ranker(cfg.model, cfg.model_path)) is not None:
        wanted = families(model.features)  # a model without graph features is ranked without the graph
        sources = cfg.sources or tuple(s for s in ("vector", "lexical", "graph") if s in wanted)
    return cfg, sources, wanted


def _notes(no_graph: bool, no_index: bool) -> list[str]:
    return [note for missing, note in ((no_graph, NO_GRAPH_NOTE), (no_index, NO_INDEX_NOTE)) if missing]


@dataclass(frozen=True, slots=True)
class _Seeds:
    ids: list[str]
    pks: list[int]
    vectors: dict[str, np.ndarray]


def _seed_vectors(store, positive: list[str], pos_pks: list[int]) -> dict[str, np.ndarray]:  # noqa: ANN001
    if store is None:
        return {}
    return {pid: v for pid, pk in zip(positive, pos_pks, strict=True) if (v := store.vector(pk)) is not None}


def _explain_candidate(kg, store, lex, signals: Signals, i: int, seeds: _Seeds) -> Explanation:  # noqa: ANN001
    """Why candidate `i` is recommended: seeds, graph links, and its graph, vector and lexical scores."""
    pk = int(signals.pks[i])
    row = signals.walk_rows[i] if signals.walk_rows is not None else -1
    explanation = _explain(kg, pk, seeds.ids, seeds.pks, signals.per_seed_walk, seeds.vectors, store)
    explanation.graph_score = round(float(_walk_of(signals, row)), 8)
    explanation.vector_similarity = round(signals.cosine[pk], 4) if store is not None and pk in signals.cosine else None
    if lex is not None:
        explanation.lexical_score = round(float(signals.features["bm25"][i]), 4)
    return explanation


def _pk(catalog: Catalog, paper_id: str) -> int:
    pk = catalog.paper_pk(paper_id)
    if pk is None:
        raise PaperNotFound.unknown(paper_id)
    return pk


def _walk_of(signals: Signals, row: int) -> float:
    if row < 0 or not signals.per_seed_walk:
        return 0.0
    return float(np.mean([w[row] for w in signals.per_seed_walk.values()]))


# --- scoring --------------------------------------------------------------------------------------------
def _ranker(cfg: FusionConfig, *, has_graph: bool, has_text: bool) -> LinearRanker | None:
    """The linear model that ranks this request, fitted to what the home has (None: a fixed rule ranks): the
    model without graph features when no graph is built, the graph-only one when there is no text index."""
    name = cfg.model if cfg.ranking == "learned" else "graph" if cfg.ranking == "graph" else None
    ranker = load_ranker(name, cfg.model_path) if name is not None else None
    if ranker is None:
        return None
    needs = families(ranker.features)
    if "graph" in needs and not has_graph:
        return load_ranker("text", cfg.model_path)
    if needs - {"graph"} and not has_text:
        return load_ranker("graph", cfg.model_path)
    return ranker


def _score(
    signals: Signals, cfg: FusionConfig, ranker: LinearRanker | None, *, has_graph: bool, has_text: bool
) -> np.ndarray:
    """Scores of the candidates: by the linear model when one ranks, else by the fixed rule."""
    f = signals.features
    if cfg.ranking == "vector":
        return f["cos"]
    if cfg.ranking == "lexical":
        return f["bm25"]
    if ranker is not None:
        return ranker.score(signals)
    if cfg.ranking == "graph":
        return f["walk"]
    # convex: the fixed rule (also the fallback when no weights file ships)
    w = cfg.vector_weight if has_graph and has_text else (1.0 if has_text else 0.0)
    cos = f["cos"]
    c_norm = (cos - cos.min()) / (cos.max() - cos.min()) if len(cos) and cos.max() > cos.min() else cos
    g = np.sqrt(f["walk"]) if cfg.graph_norm == "sqrt" else f["walk"]
    return w * c_norm + (1 - w) * g


# --- explanations ---------------------------------------------------------------------------------------
def _explain(
    kg: KnowledgeGraph | None,
    pk: int,
    positive: list[str],
    pos_pks: list[int],
    per_seed: dict[str, np.ndarray],
    seed_vecs: dict[str, np.ndarray],
    store,
) -> Explanation:
    ex = Explanation()
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
    common = np.intersect1d(row_cols(m, a), row_cols(m, b))
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
    common = np.intersect1d(row_cols(m, a), row_cols(m, b))
    return [names[j] for j in common.tolist()]


def _node_id(kg: KnowledgeGraph, col: int) -> str:
    return kg.paper_ids[col] if col < kg.n_papers else kg.externals[col - kg.n_papers]


def citation_links(kg: KnowledgeGraph, seed: int, other: int, limit: int = 3) -> list[str]:
    c, cb = kg.cites, kg.cited_by
    out = []
    seed_refs, other_refs = row_cols(c, seed), row_cols(c, other)
    if other in seed_refs:
        out.append(f"the seed cites {kg.paper_ids[other]}")
    if seed in other_refs:
        out.append(f"{kg.paper_ids[other]} cites the seed")
    both_cite = np.intersect1d(seed_refs, other_refs)[:limit]
    out += [f"both cite {_node_id(kg, j)}" for j in both_cite.tolist()]
    if seed < cb.shape[1] and other < cb.shape[1]:
        # cited_by is CSC: the stored entries of "row" i of its index arrays are column i's citing papers
        citers = np.intersect1d(row_cols(cb, seed), row_cols(cb, other))[:limit]
        out += [f"both cited by {kg.paper_ids[j]}" for j in citers.tolist()]
    return out


def _strongest_relation(kg: KnowledgeGraph, matrix, heads, tails: set[int], *, reverse: bool):
    """(count, head, tail, relation index, reverse) of the most frequent relation from heads into tails."""
    best = None
    for h in heads.tolist():
        cols, rels = row_items(matrix, h)
        for t, rel in zip(cols.tolist(), rels.tolist(), strict=True):
            if t in tails:
                count = int(kg.rel_count[rel - 1])
                if best is None or count > best[0]:
                    best = (count, h, t, rel - 1, reverse)
    return best


def relation_path(kg: KnowledgeGraph, seed: int, other: int) -> list[str]:
    """seed -MENTIONS-> e1 -REL-> e2 <-MENTIONS- other, via the strongest relation between their entities."""
    m, r = kg.mentions, kg.relations
    ea = row_cols(m, seed)
    eb = set(row_cols(m, other).tolist())
    best = _strongest_relation(kg, r, ea, eb, reverse=False)
    if best is None:
        # relations pointing from the other paper's entities to the seed's
        rt = kg.memo("relations_t", lambda: r.T.tocsr())
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
