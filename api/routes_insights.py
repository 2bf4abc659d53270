"""Insight endpoints: entity trends, rising entities, associations, duplicate candidates, predicted topics."""

from __future__ import annotations

import threading
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from paperkg.api.deps import get_catalog, get_settings
from paperkg.api.routes_graph import EntityOut  # noqa: F401 (registers EntityRecord -> EntityOut first)
from paperkg.api.schemas import ErrorBody, model_of
from paperkg.catalog import Catalog
from paperkg.catalog.topics import PredictedCategory
from paperkg.dedupe import Evidence
from paperkg.errors import PaperNotFound, ServerBusy
from paperkg.graph import trends
from paperkg.records import normalize_id
from paperkg.settings import Settings
from pydantic import BaseModel, Field

router = APIRouter(tags=["insights"])
ERRORS = {404: {"model": ErrorBody}, 422: {"model": ErrorBody}}
CATEGORY = Query(None, max_length=40, pattern=r"^[A-Za-z][\w.\-]*$", description="cs.CL, or cs for every cs.*")
PREDICTED = Query(False, description="the category also matches predicted categories of unlabelled papers")
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


SeriesOut = model_of(
    trends.TrendSeries,
    "SeriesOut",
    describe={
        "query": "the name asked for; `entity` is the canonical entity it resolved to",
        "counts": "papers mentioning the entity, one per period",
        "shares": "counts divided by all papers of the period",
    },
)
TrendsOut = model_of(
    trends.TrendReport, "TrendsOut", describe={"papers": "all papers per period (after the category filter)"}
)
RisingOut = model_of(
    trends.Rising,
    "RisingOut",
    describe={
        "growth": "share difference in percentage points",
        "z": "two-proportion z statistic of the growth",
    },
)
RisingReportOut = model_of(trends.RisingReport, "RisingReportOut")
AssociationOut = model_of(trends.Association, "AssociationOut", describe={"together": "papers mentioning both"})
AssociationsOut = model_of(trends.AssociationReport, "AssociationsOut", describe={"corpus": "papers with any entity"})
EvidenceOut = model_of(Evidence, "EvidenceOut")


class DuplicateOut(BaseModel):
    keep: str
    drop: str
    keep_title: str
    drop_title: str
    evidence: EvidenceOut


class DuplicatesOut(BaseModel):
    pairs: list[DuplicateOut]


PredictedOut = model_of(PredictedCategory, "PredictedOut", describe={"confidence": "the predictor's probability"})


class TopicsOut(BaseModel):
    id: str
    categories: list[str] = Field(description="given categories (from the source)")
    predicted: list[PredictedOut] = Field(description="predicted categories, kept apart from the given ones")


@router.get("/trends", response_model=TrendsOut, responses=ERRORS)
def get_trends(
    catalog: CatalogDep,
    entity: Annotated[list[str], Query(min_length=1, max_length=10, description="entity names, aliases or ids")],
    by: Literal["month", "year"] = "year",
    since: Annotated[str | None, Query(pattern=r"^\d{4}(-\d{2})?$")] = None,
    category: str | None = CATEGORY,
    predicted: bool = PREDICTED,
) -> dict:
    names = [e.strip() for e in entity if e.strip()][:10]
    return trends.entity_trends(catalog, names, by=by, category=category, predicted=predicted, since=since).to_dict()


@router.get("/trends/rising", response_model=RisingReportOut, responses=ERRORS)
def get_rising(
    catalog: CatalogDep,
    by: Literal["month", "year"] = "year",
    window: Annotated[int | None, Query(ge=1, le=60)] = None,
    min_papers: Annotated[int, Query(ge=1, le=10_000)] = 3,
    min_z: Annotated[float, Query(ge=0, le=20)] = 1.96,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    category: str | None = CATEGORY,
    predicted: bool = PREDICTED,
) -> dict:
    return trends.rising_entities(
        catalog,
        by=by,
        window=window,
        category=category,
        predicted=predicted,
        min_papers=min_papers,
        min_z=min_z,
        limit=limit,
    ).to_dict()


@router.get("/trends/associations", response_model=AssociationsOut, responses=ERRORS)
def get_associations(
    catalog: CatalogDep,
    entity: Annotated[str, Query(min_length=1, max_length=200)],
    min_support: Annotated[int, Query(ge=1, le=10_000)] = 3,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    category: str | None = CATEGORY,
    predicted: bool = PREDICTED,
) -> dict:
    return trends.associations(
        catalog, entity, category=category, predicted=predicted, min_support=min_support, limit=limit
    ).to_dict()


class _DuplicatesMemo:
    """The last answer of /duplicates, keyed by the catalog's digest and the dense index's published version:
    the scan reads every paper (and searches every vector's neighbours), so it runs once per state of the
    home, and one request at a time per server process; another request meanwhile gets 503 + Retry-After
    instead of a second scan tying up the worker's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answer: tuple[tuple, list[dict]] | None = None  # (state key, pairs): replaced as one


_duplicates = _DuplicatesMemo()


@router.get("/duplicates", response_model=DuplicatesOut, responses={**ERRORS, 503: {"model": ErrorBody}})
def get_duplicates(settings: SettingsDep, catalog: CatalogDep, vectors: bool = True) -> dict:
    """Candidate duplicate pairs with their evidence (merging is `paperkg duplicates --merge`). Computed once per
    state of the catalog and the dense index; while it is being computed, other requests get 503."""
    from paperkg.dedupe import find_duplicates
    from paperkg.index.artifacts import current, dense_root

    dense = current(dense_root(settings)) if vectors else None
    key = (str(settings.home), vectors, catalog.catalog_digest(), str(dense) if dense else None)
    memo = _duplicates
    if (answer := memo.answer) is not None and answer[0] == key:
        return {"pairs": answer[1]}
    if not memo.lock.acquire(blocking=False):
        raise ServerBusy("duplicate detection is already running on this server; retry shortly")
    try:
        if (answer := memo.answer) is None or answer[0] != key:
            answer = memo.answer = (key, [p.to_dict() for p in find_duplicates(catalog, settings, use_vectors=vectors)])
        return {"pairs": answer[1]}
    finally:
        memo.lock.release()


@router.get("/papers/{paper_id:path}/topics", response_model=TopicsOut, responses=ERRORS)
def get_topics(catalog: CatalogDep, paper_id: Annotated[str, Path(min_length=1, max_length=200)]) -> dict:
    pk = catalog.paper_pk(normalize_id(paper_id))
    if pk is None:
        raise PaperNotFound.unknown(paper_id)
    paper = catalog.papers_by_pk([pk])[pk]
    preds = catalog.predictions_of([pk]).get(pk, [])
    return {
        "id": paper.id,
        "categories": paper.categories,
        "predicted": [PredictedOut.model_validate(p, from_attributes=True) for p in preds],
    }
