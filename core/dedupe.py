"""Duplicate papers: the same work under two ids (publisher PDF and arXiv record, versions), found and merged.

Candidates come from three cheap blockings: equal DOI, equal compact title, and near vectors in the dense
index. A candidate is a duplicate only when two kinds of evidence agree (a DOI and the title, the title and
the authors, a near-identical vector and the title or the authors): one signal alone produces false pairs
(PDF extraction picks up a cited paper's DOI; surveys share titles; near-copies share abstracts)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING

from paperkg.catalog import Catalog
from paperkg.catalog.citation_match import compact_key
from paperkg.records import Paper, normalize_arxiv_id
from paperkg.settings import Settings
from rapidfuzz import fuzz
from tqdm import tqdm

if TYPE_CHECKING:
    from paperkg.index.dense import DenseIndex

TITLE_SAME = 0.92  # rapidfuzz ratio of compact titles: typesetting and punctuation differences only
TITLE_CLOSE = 0.70  # a retitled version still shares most of its title
AUTHORS_SAME = 0.5  # share of the shorter author list found in the other (by folded surname)
COSINE_SAME = 0.95  # title + abstract vectors of two versions of one paper; different papers stay below
COSINE_EXACT = 0.98  # with agreeing authors, no title needed: the same text under a new title
NEIGHBOURS = 5
NEIGHBOUR_NPROBE = 16  # IVF lists probed for near copies, which share a list (scripts/bench_dedupe.py --vectors)


@dataclass(slots=True)
class Evidence:
    doi: str | None = None  # the shared DOI
    title: float = 0.0  # title similarity, 0..1
    authors: float | None = None  # None when either side has no authors
    cosine: float | None = None  # None without a dense index
    reasons: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DuplicatePair:
    keep: str
    drop: str
    keep_title: str
    drop_title: str
    evidence: Evidence
    merged: dict[str, int] | None = None

    def to_dict(self) -> dict:
        return asdict(self)


def _fold(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z ]+", " ", text).split()
    return words[-1] if words else ""


def _surnames(authors: list[str]) -> set[str]:
    # "Last, First" (BibTeX style) or "First Last"; the surname is what every source spells the same way
    out = set()
    for a in authors:
        name = a.split(",")[0] if "," in a else a
        if s := _fold(name):
            out.add(s)
    return out


def _doi(p: Paper) -> str | None:
    return _doi_key(p.doi)


def _doi_key(doi: str | None) -> str | None:
    if not doi:
        return None
    doi = doi.strip().lower().removeprefix("https://doi.org/").removeprefix("doi:")
    return doi or None


def author_overlap(a: list[str], b: list[str]) -> float | None:
    sa, sb = _surnames(a), _surnames(b)
    if not sa or not sb:
        return None
    return len(sa & sb) / min(len(sa), len(sb))


def title_similarity(a: str, b: str) -> float:
    ka, kb = compact_key(a), compact_key(b)
    if not ka or not kb:
        return 0.0
    return fuzz.ratio(ka, kb) / 100.0


def judge(a: Paper, b: Paper, cosine: float | None) -> Evidence:
    """The evidence for a pair, with `reasons` empty unless it is judged a duplicate."""
    ev = Evidence(
        title=round(title_similarity(a.title, b.title), 4),
        authors=author_overlap(a.authors, b.authors),
        cosine=None if cosine is None else round(cosine, 4),
    )
    da, db = _doi(a), _doi(b)
    if da and da == db:
        ev.doi = da
    authors_agree = ev.authors is not None and ev.authors >= AUTHORS_SAME
    authors_clash = ev.authors is not None and ev.authors == 0.0
    near = cosine is not None and cosine >= COSINE_SAME
    if ev.doi and (ev.title >= TITLE_CLOSE or near):
        ev.reasons.append("same DOI")
    if ev.title >= TITLE_SAME and (authors_agree or (ev.authors is None and (near or ev.doi))):
        ev.reasons.append("same title and authors" if authors_agree else "same title, near vector")
    # a series by the same authors ("... II", "... III") sits at cosine ~0.95 with a different title: near
    # vectors need the title too, or an almost exact vector (measured on the bundled records)
    if near and not authors_clash and (ev.title >= TITLE_CLOSE or (authors_agree and cosine >= COSINE_EXACT)):
        ev.reasons.append("near-identical title and abstract vectors")
    return ev


def _preference(p: Paper, pk: int) -> tuple:
    """Which of two copies to keep: the arXiv record (id, categories, versions), then the richer, then older."""
    return (
        normalize_arxiv_id(p.id) is None,
        p.source == "pdf",
        not p.categories,
        not p.abstract,
        pk,
    )


def _neighbour_pairs(settings: Settings, progress: bool = False) -> dict[tuple[int, int], float]:
    from paperkg.errors import IndexNotReady
    from paperkg.index.vectors import VectorStore

    try:
        store = VectorStore.load(settings)
    except IndexNotReady:
        return {}
    return neighbour_pairs(store._dense, nprobe=NEIGHBOUR_NPROBE, progress=progress)


def neighbour_pairs(
    dense: DenseIndex, *, nprobe: int | None = None, progress: bool = False
) -> dict[tuple[int, int], float]:
    """Pairs of indexed papers among each other's NEIGHBOURS nearest with cosine >= COSINE_SAME."""
    ids = [int(i) for i in dense.all_ids().tolist()]
    out: dict[tuple[int, int], float] = {}
    bar = tqdm(total=len(ids), desc="duplicates: neighbours", unit=" papers", disable=not progress, leave=False)
    for start in range(0, len(ids), 2048):
        chunk = ids[start : start + 2048]
        vecs = dense.reconstruct(chunk)
        for pk, hits in zip(chunk, dense.search(vecs, NEIGHBOURS + 1, nprobe=nprobe), strict=True):
            for other, score in hits:
                if other != pk and score >= COSINE_SAME:
                    out[(min(pk, other), max(pk, other))] = score
        bar.update(len(chunk))
    bar.close()
    return out


BLOCK_MAX = 50  # a "title" shared by more papers is a placeholder ("Introduction"), not a work


def _keys(doi: str | None, title: str) -> list[str]:
    keys = []
    if d := _doi_key(doi):
        keys.append("doi:" + d)
    if t := compact_key(title):
        keys.append("title:" + t)
    return keys


def _blocked_pairs(catalog: Catalog, progress: bool = False) -> set[tuple[int, int]]:
    """Pairs sharing a DOI or a compact title, grouped by the catalog (in SQLite, not in memory)."""
    pairs: set[tuple[int, int]] = set()
    total = catalog.count_papers() if progress else None  # a COUNT(*) only for the progress bar
    with tqdm(total=total, desc="duplicates: keys", unit=" papers", disable=not progress, leave=False) as bar:
        for pks in catalog.key_groups(_keys, BLOCK_MAX, on_rows=bar.update):
            pairs.update(combinations(pks, 2))
    return pairs


def find_duplicates(
    catalog: Catalog, settings: Settings, *, use_vectors: bool = True, progress: bool = False
) -> list[DuplicatePair]:
    """Every pair of catalog papers judged to be one work, with its evidence, the kept id first.

    Only the candidates' papers are read in full: blocking streams ids, DOIs and titles through SQLite, and
    the dense neighbours come from the index."""
    candidates = _blocked_pairs(catalog, progress)
    near = _neighbour_pairs(settings, progress) if use_vectors else {}
    candidates.update(near)
    papers = catalog.papers_by_pk(sorted({pk for pair in candidates for pk in pair}))
    pairs = []
    for a, b in sorted(candidates):
        if a not in papers or b not in papers:
            continue
        cosine = near.get((a, b))
        if cosine is None and use_vectors:
            cosine = _pair_cosine(settings, a, b)
        ev = judge(papers[a], papers[b], cosine)
        if not ev.reasons:
            continue
        keep, drop = sorted((a, b), key=lambda pk: _preference(papers[pk], pk))
        pairs.append(DuplicatePair(papers[keep].id, papers[drop].id, papers[keep].title, papers[drop].title, ev))
    return pairs


_vector_cache: dict[str, object] = {}  # views of the process's one dense copy, per home, for one dedupe run


def _pair_cosine(settings: Settings, a: int, b: int) -> float | None:
    # blocked pairs (same DOI or title) that were not among each other's nearest neighbours
    from paperkg.errors import IndexNotReady
    from paperkg.index.vectors import VectorStore

    key = str(settings.home)
    if key not in _vector_cache:
        try:
            _vector_cache[key] = VectorStore.load(settings)
        except IndexNotReady:
            _vector_cache[key] = None
    store = _vector_cache[key]
    if store is None:
        return None
    va, vb = store.vector(a), store.vector(b)  # type: ignore[attr-defined]
    return None if va is None or vb is None else float(va @ vb)


def merge_pairs(catalog: Catalog, pairs: list[DuplicatePair]) -> bool:
    """Merge each pair (drop into keep) in the catalog and refresh the touched entities' counts; True when any
    pair was merged. The indexes and the graph follow through the pipeline (`paperkg.pipeline.merge_duplicates`)."""
    touched: set[int] = set()
    for pair in pairs:
        keep_pk, drop_pk = catalog.paper_pk(pair.keep), catalog.paper_pk(pair.drop)
        if keep_pk is None or drop_pk is None or keep_pk == drop_pk:
            continue  # already merged through an earlier pair (a chain a->b, c->b)
        touched.update(catalog.entities_of_paper(drop_pk))
        evidence = {**asdict(pair.evidence), "drop_title": pair.drop_title}
        pair.merged = catalog.merge_papers(keep_pk, drop_pk, evidence)
    _vector_cache.clear()
    merged = any(p.merged is not None for p in pairs)
    if merged and touched:
        with catalog.transaction():
            catalog.refresh_entities(sorted(touched))
    return merged
