"""Request and response models of the API (what /docs shows)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PaperOut(BaseModel):
    id: str
    title: str
    abstract: str
    authors: list[str]
    categories: list[str]
    year: int | None
    submitted: str | None
    updated: str | None
    doi: str | None
    journal_ref: str | None
    license: str | None
    comments: str | None
    versions: list[str]
    url: str | None = Field(None, description="arXiv abstract page, for arXiv papers")


class Why(BaseModel):
    dense_cosine: float | None = None
    bm25: float | None = None
    dense_rank: int | None = None
    lexical_rank: int | None = None
    contributions: dict[str, float] = Field(default_factory=dict)


class PassageOut(BaseModel):
    position: int = Field(description="passage number within the paper's full text")
    section: str = Field(description="heading of the section the passage belongs to")
    snippet: str = Field(description="the part of the passage holding most query words")
    score: float = Field(description="cosine of the query and the passage")


class SearchResult(BaseModel):
    rank: int
    id: str
    score: float
    title: str
    authors: list[str]
    categories: list[str]
    year: int | None
    submitted: str | None
    abstract: str
    why: Why
    passage: PassageOut | None = Field(None, description="best full-text passage (passages=true, PDFs only)")


class SearchResponse(BaseModel):
    query: str
    mode: str
    k: int
    offset: int
    results: list[SearchResult]
    next_offset: int | None = Field(None, description="offset of the next page, when there may be one")


class SimilarResponse(BaseModel):
    id: str
    results: list[SearchResult]
    offset: int = 0
    next_offset: int | None = Field(None, description="offset of the next page, when there may be one")


class Health(BaseModel):
    status: str
    papers: int
    indexes: dict[str, Any]


class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable error kind")
    detail: Any = Field(description="what is wrong, in words (or a list of field errors)")
