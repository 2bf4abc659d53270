"""Write endpoints: ingest one record through the API (POST /papers), guarded by an API key."""

from __future__ import annotations

import secrets
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Security
from fastapi.security import APIKeyHeader
from paperkg.api import deps
from paperkg.api.deps import get_catalog, get_settings
from paperkg.api.schemas import ErrorBody
from paperkg.catalog import Catalog
from paperkg.pipeline.write import write_record
from paperkg.settings import Settings
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

router = APIRouter(tags=["write"])
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="equal to PAPERKG_API_KEY")

EXAMPLE = {
    "id": "2401.00001",
    "title": "A paper added through the API",
    "abstract": "Kaggle arXiv snapshot fields; arXiv API (Atom) and BEIR records are accepted too.",
    "authors": "Ada Lovelace and Alan Turing",
    "categories": "cs.IR cs.CL",
    "versions": [{"version": "v1", "created": "Mon, 1 Jan 2024 00:00:00 GMT"}],
}


DEFERRED = "another writer holds the data home; it indexes this paper before it finishes"
DISABLED = "write endpoints are disabled; set PAPERKG_API_KEY (or api_key in config.toml) to enable them"


class WriteResult(BaseModel):
    id: str = Field(description="the paper's normalized id")
    status: Literal["new", "updated", "unchanged"]
    index: dict[str, Any] | None = Field(None, description="what the incremental index update did")


def require_api_key(
    settings: Annotated[Settings, Depends(get_settings)],
    key: Annotated[str | None, Security(api_key_header)] = None,
) -> None:
    """No key configured: writes are off (403). Key configured: a missing header is 401, a wrong one 403."""
    if not settings.api_key:
        raise HTTPException(403, DISABLED)
    if not key:
        raise HTTPException(401, "missing X-API-Key header", headers={"WWW-Authenticate": "X-API-Key"})
    if not secrets.compare_digest(key.encode(), settings.api_key.encode()):
        raise HTTPException(403, "wrong API key")


WRITE_ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorBody} for code in (401, 403, 413, 422)}


@router.post(
    "/papers",
    response_model=WriteResult,
    responses=WRITE_ERRORS,
    dependencies=[Depends(require_api_key)],
)
def post_paper(
    settings: Annotated[Settings, Depends(get_settings)],
    catalog: Annotated[Catalog, Depends(get_catalog)],
    record: Annotated[
        dict[str, Any],
        Body(description="one record in the Kaggle arXiv, arXiv API or BEIR JSON schema", examples=[EXAMPLE]),
    ],
) -> WriteResult:
    """Validate one record like `paperkg ingest` does, upsert it, then update the indexes incrementally."""
    written = write_record(catalog, settings, record)  # BadRecord -> 422 naming the field
    if written.deferred:
        return WriteResult(id=written.id, status=written.status, index={"deferred": DEFERRED})
    if written.index is None:
        return WriteResult(id=written.id, status=written.status)
    deps.reload_searchers()
    return WriteResult(id=written.id, status=written.status, index=written.index.to_json())
