"""Relatedness signals for `recommend`: candidates from three sources and one feature row per candidate.

Sources: the dense index's nearest neighbours, BM25 more-like-this (the seeds' title + abstract as the query)
and the graph walk. Features, all computed for every candidate of the union whatever source brought it:
text (cosine, BM25 more-like-this plain and with idf-boosted query terms, their ranks, the cosine to the
request's pseudo-relevant papers) and graph
(walk score, overlap of specific entities weighted by inverse paper frequency, typed relation paths between
the two papers' entities); each also standardised over the request's candidates (`_z`). `ranker.py` turns a
feature row into a score.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from paperkg.catalog import Catalog
from paperkg.graph.build import KnowledgeGraph
from paperkg.graph.entity_signals import entity_features
from paperkg.graph.walk import WalkConfig, personalized_pagerank
from paperkg.settings import Settings

TEXT_FEATURES = (
    "cos",
    "cos_rank",
    "bm25",
    "bm25_rank",
    "bm25_idf",
    "cos_prf",
    "cos_z",
    "bm25_z",
    "bm25_idf_z",
    "cos_prf_z",
)
GRAPH_FEATURES = ("walk", "walk_rank", "ent", "rel", "walk_z", "ent_z", "rel_z")
FEATURES = TEXT_FEATURES + GRAPH_FEATURES
# what each shipped model of graph/related_model.json reads (scripts/train_related.py fits these). The
# standardised versions won on ACM-CR dev out of fold (graph/README.md): a seed's raw cosines and BM25 ratios
# shift with its topic, their spread over the request's candidates says more than their level.
MODEL_FEATURES: dict[str, tuple[str, ...]] = {
    "text": ("cos_z", "bm25_z", "bm25_idf_z", "cos_prf_z"),
    "graph": ("walk_z", "ent_z", "rel_z"),
    "default": ("cos_z", "bm25_z", "bm25_idf_z", "cos_prf_z", "walk_z", "ent_z", "rel_z"),
}
SOURCES = ("vector", "lexical", "graph")


def families(features: tuple[str, ...]) -> set[str]:
    """The candidate sources (and so the indexes) a model reading these features needs."""
    return {"vector" if f.startswith("cos") else "lexical" if f.startswith("bm25") else "graph" for f in features}


PRF_DOCS = 5  # pseudo-relevant papers: the best candidates by reciprocal-rank fusion of cosine and BM25
RRF_K = 60


@dataclass(slots=True)
class Signals:
    """Candidates (paper pks) with one value per feature; raw cosines and walk scores for explanations."""

    pks: np.ndarray
    features: dict[str, np.ndarray]
    cosine: dict[int, float] = field(default_factory=dict)
    per_seed_walk: dict[str, np.ndarray] = field(default_factory=dict)
    walk_rows: np.ndarray | None = None  # graph row of each candidate (-1 when not in the graph)

    def matrix(self, names: tuple[str, ...]) -> np.ndarray:
        return np.stack([self.features[n] for n in names], axis=1) if len(self.pks) else np.zeros((0, len(names)))


# --- lexical index access -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _LexicalMatrices:
    """What more-like-this reads from one published BM25 index."""

    positions: dict[int, int]  # paper pk -> document position
    words: sp.csc_matrix  # documents x words BM25 scores (bm25s' own)
    bigrams: sp.csc_matrix  # documents x bigrams BM25 scores (no columns in an index of the first format)
    words_idf: np.ndarray  # idf of each word column, from its document frequency
    bigrams_idf: np.ndarray


_LEX_POS: dict[int, tuple[object, _LexicalMatrices]] = {}
_LEX_LOCK = threading.Lock()
# weight of the bigram columns in more-like-this (a phrase "field" beside the words). On ACM-CR dev, out of
# fold in the text model: words only 0.3182, + bigrams x 0.25 0.3249, x 0.5 0.3269, x 1 0.3216 (graph/README.md)
BIGRAM_WEIGHT = 0.5


def lexical_index(settings: Settings):
    """The published BM25 index shared with search, or None when it was never built."""
    from paperkg.errors import IndexNotReady
    from paperkg.index.artifacts import is_published, lexical_root
    from paperkg.index.lexical import LexicalIndex
    from paperkg.index.search import shared_index

    root = lexical_root(settings)
    if not is_published(root):
        return None
    try:
        return shared_index(root, lambda: LexicalIndex.load(root))
    except IndexNotReady:
        return None


def column_idf(matrix: sp.csc_matrix) -> np.ndarray:
    """Lucene's idf, log(1 + (N - df + 0.5) / (df + 0.5)), of each column of a documents x terms score matrix
    (df = the documents with a score in that column: every BM25 score of a present term is positive)."""
    n = matrix.shape[0]
    df = np.diff(matrix.indptr).astype(np.float64)
    return np.log1p((n - df + 0.5) / (df + 0.5)).astype(np.float32)


def _lexical_cache(lex) -> _LexicalMatrices:
    with _LEX_LOCK:
        cached = _LEX_POS.get(id(lex))
        if cached is None or cached[0] is not lex:
            sc = lex.retriever.scores  # bm25s' precomputed (term, document) scores, one column per term
            n_docs = sc["num_docs"]
            words = sp.csc_matrix((sc["data"], sc["indices"], sc["indptr"]), shape=(n_docs, len(sc["indptr"]) - 1))
            bigrams = lex.bigrams.matrix(n_docs)
            positions = {int(pk): i for i, pk in enumerate(lex.pks.tolist())}
            cached = (lex, _LexicalMatrices(positions, words, bigrams, column_idf(words), column_idf(bigrams)))
            _LEX_POS.clear()  # one index per process at a time: drop what belonged to a replaced version
            _LEX_POS[id(lex)] = cached
        return cached[1]


def _positions(lex) -> dict[int, int]:
    return _lexical_cache(lex).positions


def mlt_scores(lex, texts: list[str], *, idf_boost: bool = False) -> np.ndarray | None:
    """BM25 more-like-this of every indexed document for each text as a query (see `more_like_this`): the plain
    scores, or with `idf_boost` those whose query terms count x their idf. Indexed by document position."""
    both = more_like_this(lex, texts)
    return None if both is None else np.ascontiguousarray(both[:, 1 if idf_boost else 0])


def more_like_this(lex, texts: list[str]) -> np.ndarray | None:
    """Documents x 2 BM25 more-like-this scores for the texts as queries, in document position order (`lex.pks`).

    Column 0: the words' BM25 (a repeated word counts once per occurrence, as in bm25s' `get_scores_from_ids`)
    plus BIGRAM_WEIGHT x the BM25 of the text's bigrams. Column 1: the same with each query term's count times
    its idf (Lucene MoreLikeThis' boost: a rare shared term counts twice over), a separate feature of the
    learned model (+0.004 nDCG@10 out of fold on ACM-CR dev beside the others, graph/README.md). Each text's
    scores are scaled by their best; mean over texts. One sparse product per matrix over the query's columns:
    about 2x faster at 100k documents than bm25s' per-term `np.add.at`."""
    from paperkg.index.lexical import tokenize

    if lex is None or lex.count == 0 or not texts:
        return None
    m = _lexical_cache(lex)
    tokens = tokenize(texts)
    vocab = {i: w for w, i in tokens.vocab.items()}
    total = np.zeros((lex.count, 2), dtype=np.float32)
    for ids in tokens.ids:
        words = [vocab[i] for i in ids]
        token_ids = lex.retriever.get_tokens_ids(words)
        if not token_ids:
            continue
        terms, counts = np.unique(np.asarray(token_ids), return_counts=True)
        s = np.asarray(m.words[:, terms] @ _query_weights(counts, m.words_idf[terms]), dtype=np.float32)
        cols, bcounts = lex.bigram_query(words)
        if len(cols):
            s += BIGRAM_WEIGHT * np.asarray(m.bigrams[:, cols] @ _query_weights(bcounts, m.bigrams_idf[cols]))
        top = s.max(axis=0)
        total += np.divide(s, top, out=np.zeros_like(s), where=top > 0)
    return total / len(texts)


def _query_weights(counts: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Query terms x 2: each term's count, and its count x idf."""
    c = counts.astype(np.float32)
    return np.stack([c, c * idf], axis=1)


def _ranks(values: np.ndarray, dtype: type = np.float64) -> np.ndarray:
    """1-based rank of each value, best first (ties in given order)."""
    ranks = np.empty(len(values), dtype=dtype)
    ranks[np.argsort(-values, kind="stable")] = np.arange(1, len(values) + 1, dtype=dtype)
    return ranks


def _rank_feature(values: np.ndarray) -> np.ndarray:
    """1 / (1 + log2(rank)) among the candidates: 1 for the best, a slow decay after; 0 without a score."""
    out = 1.0 / (1.0 + np.log2(_ranks(values, np.float32)))
    out[values <= 0] = 0.0
    return out


# --- the signals of one request -------------------------------------------------------------------------
def collect(
    catalog: Catalog,
    settings: Settings,
    kg: KnowledgeGraph | None,
    store,
    lex,
    positive: list[str],
    pos_pks: list[int],
    neg_pks: list[int],
    *,
    sources: tuple[str, ...],
    candidates: int,
    walk: WalkConfig,
    negative_weight: float,
    only: set[int] | None = None,
) -> Signals:
    """Candidates from `sources` (any of "vector", "lexical", "graph"), or exactly the papers `only`, and every
    feature for each of them."""
    exclude = set(pos_pks) | set(neg_pks)
    query = _vector_query(store, pos_pks, neg_pks)
    mlt = _lexical_query(catalog, lex, pos_pks, neg_pks, negative_weight)
    bm25 = None if mlt is None else np.ascontiguousarray(mlt[:, 0])
    per_seed, graph = _graph_query(kg, positive, pos_pks, neg_pks, walk, negative_weight)

    pool: set[int] = set(only) if only is not None else set()
    cos_by_pk: dict[int, float] = {}
    if only is not None:
        sources = ()  # a fixed candidate set: every feature is filled in for each of them below
    if query is not None and "vector" in sources:
        cos_by_pk = {pk: float(s) for pk, s in store.search(query, candidates, exclude=exclude)}
        pool |= set(cos_by_pk)
    if bm25 is not None and "lexical" in sources:
        pool |= _top_pks(bm25, lex.pks, candidates, exclude)
    if graph is not None and "graph" in sources:
        pool |= _top_pks(graph, kg.paper_pks, candidates, exclude)
    pks = np.asarray(sorted(pool - exclude), dtype=np.int64)

    feats = {name: np.zeros(len(pks), dtype=np.float32) for name in FEATURES}
    _text_features(feats, pks, store, query, cos_by_pk, lex, mlt)
    rows = _graph_features(feats, kg, pks, graph, pos_pks) if kg is not None else None
    for name in ("cos", "bm25", "bm25_idf", "cos_prf", "walk", "ent", "rel"):
        feats[f"{name}_z"] = _standardised(feats[name])
    return Signals(pks=pks, features=feats, cosine=cos_by_pk, per_seed_walk=per_seed, walk_rows=rows)


def _vector_query(store, pos_pks: list[int], neg_pks: list[int]) -> np.ndarray | None:
    """The vector side: the centroid of the positives minus the centroid of the negatives, unit length."""
    if store is None:
        return None
    seeds = [v for v in (store.vector(pk) for pk in pos_pks) if v is not None]
    negs = [v for v in (store.vector(pk) for pk in neg_pks) if v is not None]
    if not seeds:
        return None
    query = np.mean(seeds, axis=0) - (np.mean(negs, axis=0) if negs else 0.0)
    return (query / max(float(np.linalg.norm(query)), 1e-12)).astype(np.float32)


def _lexical_query(
    catalog: Catalog, lex, pos_pks: list[int], neg_pks: list[int], negative_weight: float
) -> np.ndarray | None:
    """The lexical side: BM25 more-like-this (both columns of `more_like_this`) of the positives minus that of
    the negatives."""
    if lex is None:
        return None
    papers = catalog.papers_by_pk(pos_pks + neg_pks)
    bm25 = more_like_this(lex, [papers[pk].text for pk in pos_pks if pk in papers])
    if bm25 is not None and neg_pks:
        neg = more_like_this(lex, [papers[pk].text for pk in neg_pks if pk in papers])
        if neg is not None:
            bm25 = bm25 - negative_weight * neg
    return bm25


def _graph_query(
    kg: KnowledgeGraph | None,
    positive: list[str],
    pos_pks: list[int],
    neg_pks: list[int],
    walk: WalkConfig,
    negative_weight: float,
) -> tuple[dict[str, np.ndarray], np.ndarray | None]:
    """The graph side: one walk per positive seed (explanations name the seed that brought a result), their
    mean minus the negatives' walk."""
    per_seed: dict[str, np.ndarray] = {}
    if kg is None:
        return per_seed, None
    for pid, pk in zip(positive, pos_pks, strict=True):
        if (row := kg.paper_row(pk)) is not None:
            per_seed[pid] = personalized_pagerank(kg, {row: 1.0}, walk)
    if not per_seed:
        return per_seed, None
    graph = sum(per_seed.values()) / len(per_seed)
    neg_rows = [r for r in (kg.paper_row(pk) for pk in neg_pks) if r is not None]
    if neg_rows:
        graph = graph - negative_weight * personalized_pagerank(kg, {r: 1.0 for r in neg_rows}, walk)
    return per_seed, graph


def _graph_features(
    feats: dict, kg: KnowledgeGraph, pks: np.ndarray, graph: np.ndarray | None, pos_pks: list[int]
) -> np.ndarray:
    """Fill in walk, walk_rank, ent and rel for the candidates; returns their graph rows (-1: not in the graph)."""
    n = len(pks)
    rows = np.asarray([r if (r := kg.paper_row(pk)) is not None else -1 for pk in pks.tolist()], dtype=np.int64)
    if graph is not None and n:
        g = np.where(rows >= 0, graph[np.maximum(rows, 0)], 0.0).clip(min=0)
        top = float(g.max())
        feats["walk"] = (g / top if top > 0 else g).astype(np.float32)
        feats["walk_rank"] = _rank_feature(feats["walk"])
    seed_rows = [r for r in (kg.paper_row(pk) for pk in pos_pks) if r is not None]
    if seed_rows and n:
        feats["ent"], feats["rel"] = entity_features(kg, seed_rows, rows)
    return rows


def _text_features(feats: dict, pks: np.ndarray, store, query, cos_by_pk: dict[int, float], lex, mlt) -> None:
    """Fill in cos, bm25, their ranks, bm25_idf and cos_prf for the candidates `pks` (cos_by_pk gains the
    missing cosines, which the explanations show); `mlt` is `more_like_this`' two columns."""
    vectors = None
    if query is not None and len(pks):
        vectors = _candidate_vectors(store, pks, query.shape[0])
        for pk, v in zip(pks.tolist(), vectors, strict=True):
            if pk not in cos_by_pk and v.any():
                cos_by_pk[pk] = float(v @ query)
        feats["cos"] = np.asarray([cos_by_pk.get(pk, 0.0) for pk in pks.tolist()], dtype=np.float32)
        feats["cos_rank"] = _rank_feature(feats["cos"])
    if mlt is not None:
        pos = _positions(lex)
        idx = np.asarray([pos.get(pk, -1) for pk in pks.tolist()], dtype=np.int64)
        at = np.where(idx[:, None] >= 0, mlt[np.maximum(idx, 0)], 0.0).astype(np.float32)
        feats["bm25"], feats["bm25_idf"] = np.ascontiguousarray(at[:, 0]), np.ascontiguousarray(at[:, 1])
        feats["bm25_rank"] = _rank_feature(feats["bm25"])
    if vectors is not None:
        feats["cos_prf"] = _prf_cosine(vectors, feats["cos"], feats["bm25"] if mlt is not None else None)


def _candidate_vectors(store, pks: np.ndarray, dim: int) -> np.ndarray:
    """Candidates x dim, a zero row for a paper without a vector."""
    out = np.zeros((len(pks), dim), dtype=np.float32)
    for i, pk in enumerate(pks.tolist()):
        if (v := store.vector(pk)) is not None:
            out[i] = v
    return out


def _rrf(values: np.ndarray) -> np.ndarray:
    """Reciprocal-rank score 1 / (RRF_K + rank) among the candidates; 0 without a score."""
    out = 1.0 / (RRF_K + _ranks(values))
    out[values <= 0] = 0.0
    return out


def _prf_cosine(vectors: np.ndarray, cos: np.ndarray, bm25: np.ndarray | None) -> np.ndarray:
    """Cosine of each candidate to the mean vector of the request's PRF_DOCS best candidates by reciprocal-rank
    fusion of cosine and BM25 (pseudo-relevance feedback: papers cited together cluster, so closeness to the
    seed's closest papers adds to closeness to the seed; +0.005 nDCG@10 on ACM-CR dev beside cos_z and bm25_z)."""
    fused = _rrf(cos) + (_rrf(bm25) if bm25 is not None else 0.0)
    top = np.argsort(-fused, kind="stable")[:PRF_DOCS]
    centre = vectors[top].mean(axis=0)
    return (vectors @ centre).astype(np.float32)


def _standardised(values: np.ndarray) -> np.ndarray:
    """(value - mean) / std over the request's candidates; zeros when they do not differ."""
    if len(values) < 2:
        return np.zeros(len(values), dtype=np.float32)
    std = float(values.std())
    return ((values - values.mean()) / std).astype(np.float32) if std > 1e-9 else np.zeros_like(values)


def _top_pks(scores: np.ndarray, pks: np.ndarray, k: int, exclude: set[int]) -> set[int]:
    hits = np.flatnonzero(scores > 0)
    want = k + len(exclude)
    if len(hits) > want:
        hits = hits[np.argpartition(-scores[hits], want - 1)[:want]]
    hits = hits[np.lexsort((hits, -scores[hits]))]
    return set([pk for pk in pks[hits].tolist() if pk not in exclude][:k])
