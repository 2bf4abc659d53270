"""Request and response models of the API (what /docs shows)."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, Field, create_model

# dataclass -> the response model built from it, so that a nested dataclass shows under its model's name
_MODELS: dict[type, type[BaseModel]] = {}


def model_of(
    source: type,
    name: str,
    *,
    describe: dict[str, str] | None = None,
    override: dict[str, Any] | None = None,
    base: type[BaseModel] = BaseModel,
) -> type[BaseModel]:
    """A response model with the fields and types of a dataclass: the HTTP schema cannot drift from the library.

    Every field is required (a response always carries it). `describe` adds /docs text per field, `override`
    replaces a field's type (a `dict` explanation shown as its model); dataclasses nested in fields become the
    models already built from them.
    """
    hints = typing.get_type_hints(source)
    describe, override = describe or {}, override or {}
    fields: dict[str, Any] = {
        f.name: (override.get(f.name, _swap(hints[f.name])), Field(description=describe.get(f.name)))
        for f in dataclasses.fields(source)
    }
    model = create_model(name, __base__=base, __module__=__name__, __doc__=None, **fields)
    _MODELS[source] = model
    return model


def _swap(tp: Any) -> Any:
    if isinstance(tp, type) and tp in _MODELS:
        return _MODELS[tp]
    args = get_args(tp)
    origin = get_origin(tp)
    if not args or origin is Literal:
        return tp
    swapped = tuple(_swap(a) for a in args)
    if origin in (Union, types.UnionType):
        return Union[swapped]  # noqa: UP007 (built from a tuple)
    return origin[swapped if len(swapped) > 1 else swapped[0]]


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
