"""Citation endpoints: a paper's references (matched to the catalog or kept external) and its citers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query
from paperkg.api.deps import get_catalog
from paperkg.catalog import Catalog
from paperkg.catalog.citations import CitationRow
from paperkg.errors import PaperNotFound
from paperkg.records import normalize_id
from pydantic import BaseModel, Field

router = APIRouter(tags=["citations"])
MAX_K = 100
MAX_OFFSET = 10_000
MAX_ID = 200


class CitedPaperOut(BaseModel):
    id: str
    title: str
    year: int | None


class CitationOut(BaseModel):
    position: int = Field(description="0-based place in the citing paper's reference list")
    raw: str = Field(description="the reference entry as extracted from the PDF")
    arxiv_id: str | None
    doi: str | None
    title: str | None
    authors: list[str]
    year: int | None
    paper: CitedPaperOut | None = Field(description="the catalog paper it matched, if any")
    match: Literal["arxiv", "doi", "title"] | None = Field(description="how it was matched")
    external_key: str = Field(description="stable key of the cited work, shared by every paper citing it")


class CitationsResponse(BaseModel):
    id: str
    total: int = Field(description="references in the paper's list")
    matched: int = Field(description="references matched to catalog papers")
    k: int
    offset: int
    results: list[CitationOut]
    next_offset: int | None = None


class CitingOut(BaseModel):
    id: str
    title: str
    authors: list[str]
    year: int | None
    position: int = Field(description="where the citing paper lists it (first place, when listed twice)")
    raw: str = Field(description="the citing paper's reference entry")
    match: Literal["arxiv", "doi", "title"] | None


class CitedByResponse(BaseModel):
    id: str
    total: int = Field(description="distinct citing papers in the catalog")
    k: int
    offset: int
    results: list[CitingOut]
    next_offset: int | None = None


CatalogDep = Annotated[Catalog, Depends(get_catalog)]
IdPath = Annotated[str, Path(min_length=1, max_length=MAX_ID)]
K = Annotated[int, Query(ge=1, le=MAX_K)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


def _resolve(catalog: Catalog, paper_id: str) -> tuple[str, int]:
    pid = normalize_id(paper_id)
    pk = catalog.paper_pk(pid)
    if pk is None:
        raise PaperNotFound.unknown(paper_id)
    return pid, pk


def _next(offset: int, k: int, total: int) -> int | None:
    return offset + k if offset + k < total and offset + k <= MAX_OFFSET else None


@router.get("/papers/{paper_id:path}/citations", response_model=CitationsResponse)
def get_citations(catalog: CatalogDep, paper_id: IdPath, k: K = 20, offset: Offset = 0) -> CitationsResponse:
    """The paper's references in order (from its PDF), each with the catalog paper it matched, if any."""
    pid, pk = _resolve(catalog, paper_id)
    rows = catalog.citations_of(pk)
    page = rows[offset : offset + k]
    cited = catalog.papers_by_pk([r.cited_pk for r in page if r.cited_pk is not None])
    results = [
        CitationOut(
            position=r.position,
            raw=r.raw,
            arxiv_id=r.arxiv_id,
            doi=r.doi,
            title=r.title,
            authors=r.authors,
            year=r.year,
            match=r.match,
            external_key=r.external_key,  # type: ignore[arg-type]
            paper=CitedPaperOut(id=p.id, title=p.title, year=p.year)
            if r.cited_pk is not None and (p := cited.get(r.cited_pk)) is not None
            else None,
        )
        for r in page
    ]
    return CitationsResponse(
        id=pid,
        total=len(rows),
        matched=sum(r.cited_pk is not None for r in rows),
        k=k,
        offset=offset,
        results=results,
        next_offset=_next(offset, k, len(rows)),
    )


@router.get("/papers/{paper_id:path}/cited-by", response_model=CitedByResponse)
def get_cited_by(catalog: CatalogDep, paper_id: IdPath, k: K = 20, offset: Offset = 0) -> CitedByResponse:
    """Catalog papers whose reference lists cite this paper, newest first."""
    pid, pk = _resolve(catalog, paper_id)
    first: dict[int, CitationRow] = {}
    for row in catalog.cited_by(pk):  # ordered by citing paper, then position: keep the first listing
        first.setdefault(row.citing_pk, row)
    citing = catalog.papers_by_pk(list(first))
    ordered = sorted(
        (pk for pk in first if pk in citing),
        key=lambda c: (-(citing[c].year or 0), citing[c].id),
    )
    results = []
    for c in ordered[offset : offset + k]:
        row, p = first[c], citing[c]
        results.append(
            CitingOut(
                id=p.id,
                title=p.title,
                authors=p.authors,
                year=p.year,
                position=row.position,
                raw=row.raw,
                match=row.match,  # type: ignore[arg-type]
            )
        )
    return CitedByResponse(
        id=pid,
        total=len(ordered),
        k=k,
        offset=offset,
        results=results,
        next_offset=_next(offset, k, len(ordered)),
    )
