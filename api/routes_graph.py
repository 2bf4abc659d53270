"""Graph endpoints: related papers, seed recommendations, entities and neighborhoods (all explained)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from paperkg.api.deps import get_catalog, get_settings
from paperkg.api.schemas import model_of
from paperkg.catalog import Catalog
from paperkg.graph.build import load_graph
from paperkg.graph.explore import EntityPage, RelatedEntity, entity_page, find_entities, neighborhood
from paperkg.graph.model import EntityRecord
from paperkg.graph.recommend import recommend, related
from paperkg.records import normalize_id
from paperkg.settings import Settings
from pydantic import BaseModel, Field

router = APIRouter(tags=["graph"])
MAX_K = 100
MAX_SEEDS = 50


class SharedEntityOut(BaseModel):
    id: str
    name: str
    type: str
    weight: float = Field(description="inverse paper frequency of the entity")


class ExplanationOut(BaseModel):
    seed: str | None = Field(None, description="the seed paper that contributed most")
    seed_contributions: dict[str, float] = {}
    shared_entities: list[SharedEntityOut] = []
    shared_authors: list[str] = []
    citations: list[str] = Field([], description="direct citations, shared references, shared citers")
    relation_path: list[str] = Field([], description="seed -MENTIONS-> entity -REL-> entity <-MENTIONS- paper")
    vector_similarity: float | None = None
    graph_score: float = Field(0.0, description="random-walk score (mean over the seeds)")
    lexical_score: float | None = Field(None, description="BM25 more-like-this, scaled by the seed's best match")
    signals: dict[str, float] = Field(
        {}, description="each feature's share of the learned score (standardised value x weight)"
    )
    ranking: str | None = Field(None, description="the learned model (or fixed rule) that ranked the list")
    note: str | None = Field(None, description="e.g. graph-only ranking when the vector index is not built")


class RecommendationOut(BaseModel):
    id: str
    title: str
    score: float
    explanation: ExplanationOut


class RelatedResponse(BaseModel):
    id: str
    results: list[RecommendationOut]


class RecommendRequest(BaseModel):
    """Mirrors the Semantic Scholar recommendations contract: positive and negative paper ids, a limit."""

    positive: list[str] = Field(min_length=1, max_length=MAX_SEEDS)
    negative: list[str] = Field(default_factory=list, max_length=MAX_SEEDS)
    k: int = Field(10, ge=1, le=MAX_K)


class RecommendResponse(BaseModel):
    positive: list[str]
    negative: list[str]
    results: list[RecommendationOut]


EntityOut = model_of(EntityRecord, "EntityOut")


class EntitySearchResponse(BaseModel):
    query: str
    results: list[EntityOut]


class EntityPaperOut(BaseModel):
    id: str
    title: str
    mentions: int


RelatedEntityOut = model_of(
    RelatedEntity,
    "RelatedEntityOut",
    describe={"direction": "out: this entity is the head of the relation; in: the tail"},
)
EntityPageOut = model_of(
    EntityPage,
    "EntityPageOut",
    describe={"related": "related entities by relation type"},
    override={"papers": list[EntityPaperOut]},
)


class NeighborhoodOut(BaseModel):
    nodes: list[dict]
    edges: list[dict]
    truncated: bool


SettingsDep = Annotated[Settings, Depends(get_settings)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


@router.get("/papers/{paper_id:path}/related", response_model=RelatedResponse)
def get_related(
    settings: SettingsDep,
    catalog: CatalogDep,
    paper_id: Annotated[str, Path(min_length=1, max_length=200)],
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
) -> RelatedResponse:
    """Graph walk (shared entities, co-authors, citations) fused with vector neighbours, explained."""
    pid = normalize_id(paper_id)
    recs = related(catalog, settings, pid, k)
    return RelatedResponse(id=pid, results=[r.to_dict() for r in recs])  # type: ignore[misc]


@router.post("/recommend", response_model=RecommendResponse)
def post_recommend(settings: SettingsDep, catalog: CatalogDep, body: RecommendRequest) -> RecommendResponse:
    """Papers close to the positive seeds and away from the negative ones."""
    positive = [normalize_id(p) for p in body.positive]
    negative = [normalize_id(p) for p in body.negative]
    recs = recommend(catalog, settings, positive, negative, body.k)
    return RecommendResponse(positive=positive, negative=negative, results=[r.to_dict() for r in recs])  # type: ignore[misc]


@router.get("/entities", response_model=EntitySearchResponse)
def get_entities(
    catalog: CatalogDep,
    q: Annotated[str, Query(min_length=1, max_length=200)],
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 20,
) -> EntitySearchResponse:
    """Entities whose name or an alias matches the query, most papers first."""
    return EntitySearchResponse(
        query=q, results=[EntityOut.model_validate(e, from_attributes=True) for e in find_entities(catalog, q, k)]
    )


@router.get("/entities/{entity_id:path}", response_model=EntityPageOut)
def get_entity(
    settings: SettingsDep, catalog: CatalogDep, entity_id: Annotated[str, Path(min_length=1, max_length=300)]
) -> EntityPageOut:
    """One entity: its papers and related entities by relation type."""
    page = entity_page(catalog, load_graph(settings), entity_id)
    return EntityPageOut(**page.to_dict())


@router.get("/graph/neighborhood", response_model=NeighborhoodOut)
def get_neighborhood(
    settings: SettingsDep,
    catalog: CatalogDep,
    id: Annotated[str, Query(min_length=1, max_length=300, description="paper id or entity id")],
    depth: Annotated[int, Query(ge=1, le=3)] = 1,
) -> NeighborhoodOut:
    """Nodes and edges around a paper or an entity, for a graph view."""
    node_id = id if catalog.get_entity(id) is not None else normalize_id(id)
    return NeighborhoodOut(**neighborhood(catalog, load_graph(settings), node_id, depth).to_dict())
