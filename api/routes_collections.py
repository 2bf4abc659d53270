"""Collections over REST: list, create, rename, delete, add/dismiss/remove papers, the feed and exports.
Writes need the API key, like every write endpoint (`routes_write.require_api_key`)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Response
from paperkg.api.deps import get_catalog, get_settings
from paperkg.api.routes_graph import ExplanationOut
from paperkg.api.routes_write import WRITE_ERRORS, require_api_key
from paperkg.api.schemas import ErrorBody, model_of
from paperkg.bibexport import MEDIA_TYPES as EXPORT_MEDIA_TYPES
from paperkg.catalog import Catalog
from paperkg.catalog.collections import MAX_NAME, CollectionInfo
from paperkg.feed import Feed, FeedItem
from paperkg.settings import Settings
from pydantic import BaseModel, Field

router = APIRouter(tags=["collections"])
MAX_IDS = 100
MAX_K = 100
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (404, 409, 422)}
WRITES: dict[int | str, dict[str, Any]] = {**ERRORS, **WRITE_ERRORS}
CollectionId = Annotated[int, Path(ge=1, le=2**62, description="the collection's id (see GET /collections)")]


CollectionOut = model_of(
    CollectionInfo,
    "CollectionOut",
    describe={"papers": "papers in the collection", "dismissed": "papers marked not relevant"},
)


class CollectionPaper(BaseModel):
    id: str
    title: str
    added: str = Field(description="when it was added (or dismissed)")


class CollectionDetail(CollectionOut):
    paper_list: list[CollectionPaper] = Field(description="the collection's papers, oldest first")
    dismissed_list: list[CollectionPaper] = Field(description="papers dismissed as not relevant")


class CollectionsResponse(BaseModel):
    results: list[CollectionOut]


class NameBody(BaseModel):
    name: str = Field(min_length=1, max_length=MAX_NAME, examples=["reading group"])


class PaperIds(BaseModel):
    ids: list[str] = Field(min_length=1, max_length=MAX_IDS, examples=[["0704.0001"]])


FeedResult = model_of(
    FeedItem, "FeedResult", describe={"why": "the explanation in words"}, override={"explanation": ExplanationOut}
)
FeedResponse = model_of(
    Feed,
    "FeedResponse",
    describe={
        "seeds": "collection papers used as positive seeds",
        "dismissed": "dismissed papers used as negative seeds",
        "candidates": "new papers outside the collection that were ranked",
    },
)


def _writes(model: type[BaseModel], **extra: Any) -> dict[str, Any]:
    """Route options of a write: the API key, its error answers, the response model."""
    return {"response_model": model, "responses": WRITES, "dependencies": [Depends(require_api_key)], **extra}


def _out(info: CollectionInfo) -> CollectionOut:
    return CollectionOut.model_validate(info, from_attributes=True)


def _detail(catalog: Catalog, collection_id: int) -> CollectionDetail:
    m = catalog.collection_members(collection_id)
    return CollectionDetail(
        **_out(m.info).model_dump(),
        paper_list=[CollectionPaper(id=pid, title=t, added=a) for _pk, pid, t, a in m.papers],
        dismissed_list=[CollectionPaper(id=pid, title=t, added=a) for _pk, pid, t, a in m.dismissed],
    )


@router.get("/collections", response_model=CollectionsResponse)
def list_collections(catalog: Annotated[Catalog, Depends(get_catalog)]) -> CollectionsResponse:
    return CollectionsResponse(results=[_out(i) for i in catalog.list_collections()])


@router.post("/collections", **_writes(CollectionOut, status_code=201))
def create_collection(catalog: Annotated[Catalog, Depends(get_catalog)], body: NameBody) -> CollectionOut:
    """Create an empty collection; 409 when the name is taken."""
    with catalog.transaction():
        info = catalog.create_collection(body.name)
    return _out(info)


@router.get("/collections/{collection_id}", response_model=CollectionDetail, responses=ERRORS)
def get_collection(catalog: Annotated[Catalog, Depends(get_catalog)], collection_id: CollectionId) -> CollectionDetail:
    return _detail(catalog, collection_id)


@router.patch("/collections/{collection_id}", **_writes(CollectionOut))
def rename_collection(
    catalog: Annotated[Catalog, Depends(get_catalog)], collection_id: CollectionId, body: NameBody
) -> CollectionOut:
    with catalog.transaction():
        info = catalog.rename_collection(collection_id, body.name)
    return _out(info)


@router.delete("/collections/{collection_id}", **_writes(CollectionOut))
def delete_collection(catalog: Annotated[Catalog, Depends(get_catalog)], collection_id: CollectionId) -> CollectionOut:
    """Delete a collection (its papers stay in the catalog); answers what was deleted."""
    with catalog.transaction():
        info = catalog.delete_collection(collection_id)
    return _out(info)


def _set(catalog: Catalog, collection_id: int, ids: list[str], state: Literal["member", "dismissed"]):
    with catalog.transaction():
        catalog.set_collection_state(collection_id, ids, state)
    return _detail(catalog, collection_id)


@router.post("/collections/{collection_id}/papers", **_writes(CollectionDetail))
def add_papers(
    catalog: Annotated[Catalog, Depends(get_catalog)], collection_id: CollectionId, body: PaperIds
) -> CollectionDetail:
    """Add papers (a dismissed one becomes a member again); an unknown id is 404 and changes nothing."""
    return _set(catalog, collection_id, body.ids, "member")


@router.post("/collections/{collection_id}/dismissed", **_writes(CollectionDetail))
def dismiss_papers(
    catalog: Annotated[Catalog, Depends(get_catalog)], collection_id: CollectionId, body: PaperIds
) -> CollectionDetail:
    """Mark papers not relevant: the feed steers away from them and never shows them."""
    return _set(catalog, collection_id, body.ids, "dismissed")


@router.delete("/collections/{collection_id}/papers/{paper_id:path}", **_writes(CollectionDetail))
def remove_paper(
    catalog: Annotated[Catalog, Depends(get_catalog)],
    collection_id: CollectionId,
    paper_id: Annotated[str, Path(min_length=1, max_length=200)],
) -> CollectionDetail:
    """Forget a paper in the collection, member or dismissed."""
    with catalog.transaction():
        catalog.remove_from_collection(collection_id, [paper_id])
    return _detail(catalog, collection_id)


@router.get("/collections/{collection_id}/feed", response_model=FeedResponse, responses=ERRORS)
def feed(
    settings: Annotated[Settings, Depends(get_settings)],
    catalog: Annotated[Catalog, Depends(get_catalog)],
    collection_id: CollectionId,
    since: Annotated[
        str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD; default 7 days ago")
    ] = None,
    k: Annotated[int, Query(ge=1, le=MAX_K)] = 20,
    by: Literal["added", "published", "either"] = "either",
) -> FeedResponse:
    """New papers ranked for the collection (its papers positive, its dismissed papers negative), explained."""
    from paperkg.feed import build_feed

    return FeedResponse.model_validate(build_feed(catalog, settings, collection_id, since=since, k=k, by=by).to_dict())


@router.get(
    "/collections/{collection_id}/export",
    responses={
        **ERRORS,
        200: {
            "description": "the file",
            "content": {media.split(";")[0]: {"schema": {"type": "string"}} for media in EXPORT_MEDIA_TYPES.values()},
        },
    },
    response_class=Response,
)
def export_collection(
    catalog: Annotated[Catalog, Depends(get_catalog)],
    collection_id: CollectionId,
    format: Literal["bibtex", "ris", "csv"] = "bibtex",  # noqa: A002 (the query parameter's name)
) -> Response:
    """The collection's papers as BibTeX, RIS or CSV (arXiv id, DOI, authors, year, URL)."""
    from paperkg.bibexport import SUFFIXES, export

    m = catalog.collection_members(collection_id)
    by_pk = catalog.papers_by_pk([pk for pk, *_ in m.papers])
    text = export([by_pk[pk] for pk, *_ in m.papers], format)
    filename = f"collection-{m.info.id}{SUFFIXES[format]}"
    return Response(
        text,
        media_type=EXPORT_MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
