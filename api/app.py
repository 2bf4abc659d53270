"""The FastAPI application: search, papers and similar papers; errors mapped to HTTP codes in one place."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Literal

import anyio.to_thread
from fastapi import Depends, FastAPI, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from paperkg import __version__, verbosity
from paperkg.api.deps import configure, get_catalog, get_searcher, get_settings
from paperkg.api.limits import BodyLimit, error_kind
from paperkg.api.schemas import ErrorBody, Health, PaperOut, SearchResponse, SimilarResponse
from paperkg.catalog import Catalog
from paperkg.errors import PaperkgError, PaperNotFound
from paperkg.index.artifacts import dense_root, is_published, lexical_root
from paperkg.index.search import Searcher
from paperkg.records import Paper, normalize_arxiv_id, normalize_id
from paperkg.settings import Settings
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

MAX_K = 100
MAX_OFFSET = 10_000
MAX_SIMILAR_OFFSET = 1000  # nearest neighbours are searched k + offset deep
MAX_QUERY = 1000
MAX_ID = 200
MAX_BODY = 1 << 20  # bytes of a request body

# routers of later stages, included when present
EXTRA_ROUTERS = (
    "paperkg.api.routes_graph",
    "paperkg.api.routes_citations",
    "paperkg.api.routes_write",
    "paperkg.api.routes_web",
    "paperkg.api.routes_collections",
    "paperkg.api.routes_insights",
)

ERRORS = {404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 422: {"model": ErrorBody}}


def paper_out(p: Paper) -> PaperOut:
    url = f"https://arxiv.org/abs/{p.id}" if normalize_arxiv_id(p.id) else None
    d = p.to_dict()
    d.pop("source", None)
    return PaperOut(**d, url=url)


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    # sync endpoints run in anyio's thread pool (40 threads by default); a few threads serve CPU-bound search
    # in arrival order: 300+ req/s at 100k papers with p99 ~0.1 s instead of seconds (scripts/bench_load.py)
    anyio.to_thread.current_default_thread_limiter().total_tokens = get_settings().api_threads
    await anyio.to_thread.run_sync(preload)
    yield


def preload() -> None:
    """Load the published indexes and the query encoder before serving, so a worker's first requests do not
    wait seconds for them (with several workers, whichever received no early request stalled its first
    clients). A home without indexes yet is fine: endpoints answer 409 until `paperkg ingest` builds them."""
    from paperkg.pipeline.consistency import sync_on_start

    try:  # indexes left behind by a writer killed mid-write are brought to the catalog first
        sync_on_start(get_catalog(), get_settings())
    except (PaperkgError, OSError) as exc:
        log.warning("index check at start-up skipped: %s", exc)
    searcher = get_searcher()
    for part in ("dense", "lexical"):
        try:
            getattr(searcher, part)
        except PaperkgError:  # no index yet, or built with another model: requests will say so (409)
            return
    searcher.embed(["paperkg"])


def body_decode_problem(cause: BaseException | None) -> str | None:
    """Why a request body could not be decoded, in words, or None when the cause is something else."""
    if isinstance(cause, UnicodeDecodeError):
        return f"the body is not valid UTF-8 (byte {cause.start})"
    if isinstance(cause, RecursionError):
        return "the JSON body is nested too deeply"
    if isinstance(cause, ValueError):
        return f"the JSON body cannot be decoded: {cause}"
    return None


def create_app(settings: Settings | None = None) -> FastAPI:
    verbosity.configure()  # each uvicorn worker is a new process: quiet model loading there too (-v: PAPERKG_VERBOSE)
    configure(settings)
    app = FastAPI(
        title="paperkg",
        version=__version__,
        description="Hybrid search over arXiv papers and knowledge-graph recommendations.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_body=MAX_BODY)
    cors = get_settings().cors_origins  # PAPERKG_CORS_ORIGINS='["https://example.org"]'
    if cors:  # added last: outermost, so refusals (413) carry the CORS headers too
        app.add_middleware(
            CORSMiddleware,
            allow_origins=cors,
            allow_methods=["GET", "POST", "PATCH", "DELETE"],
            allow_headers=["Content-Type", "X-API-Key"],
        )

    @app.exception_handler(PaperkgError)
    async def paperkg_error(_request: Request, exc: PaperkgError) -> JSONResponse:
        if exc.http_status == 422:  # the same shape as request validation errors: a list of field errors
            field = getattr(exc, "field", None)
            reason = getattr(exc, "reason", str(exc))
            detail = [{"loc": [field] if field else [], "msg": reason, "type": "value_error"}]
            return JSONResponse({"error": type(exc).__name__, "detail": detail}, status_code=422)
        retry = getattr(exc, "retry_after", None)
        return JSONResponse(
            {"error": type(exc).__name__, "detail": str(exc)},
            status_code=exc.http_status,
            headers={"Retry-After": str(retry)} if retry else None,
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()
        ]
        return JSONResponse({"error": "invalid_request", "detail": detail}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and (why := body_decode_problem(exc.__cause__)):
            # FastAPI answers 400 "error parsing the body" for invalid UTF-8, deep nesting or huge integers;
            # like every other text problem in a request, that is a 422 naming the body
            detail = [{"loc": ["body"], "msg": why, "type": "body_decode"}]
            return JSONResponse({"error": "invalid_request", "detail": detail}, status_code=422)
        return JSONResponse(
            {"error": error_kind(exc.status_code), "detail": exc.detail},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(Exception)
    async def unexpected_error(_request: Request, exc: Exception) -> JSONResponse:
        # a bug, not the client's fault: say so in JSON, without the traceback
        return JSONResponse({"error": "internal_error", "detail": type(exc).__name__}, status_code=500)

    @app.get("/health", response_model=Health)
    def health(catalog: Annotated[Catalog, Depends(get_catalog)]) -> Health:
        settings = get_settings()
        indexes = {"dense": is_published(dense_root(settings)), "lexical": is_published(lexical_root(settings))}
        return Health(status="ok", papers=catalog.count_papers(), indexes=indexes)

    @app.get("/search", response_model=SearchResponse, responses=ERRORS)
    def search(
        q: Annotated[str, Query(min_length=1, max_length=MAX_QUERY, description="free-text query")],
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
        mode: Literal["hybrid", "dense", "lexical"] = "hybrid",
        category: Annotated[str | None, Query(max_length=40, pattern=r"^[A-Za-z][\w.\-]*$")] = None,
        since: Annotated[int | None, Query(ge=1900, le=2200)] = None,
        offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
        passages: Annotated[bool, Query(description="use full-text passages; point at the best")] = False,
        predicted: Annotated[
            bool, Query(description="category also matches papers without categories by their predicted one")
        ] = False,
    ) -> SearchResponse:
        if not q.strip():
            raise RequestValidationError([{"loc": ("query", "q"), "msg": "query is blank", "type": "value_error"}])
        # resolved here, not as a dependency: a sync dependency is one more hop through the thread pool per request
        searcher = get_searcher()
        hits = searcher.search(
            q,
            k=k,
            mode=mode,
            category=category,
            since=since,
            offset=offset,
            passages=passages,
            predicted=predicted,
        )
        return SearchResponse(
            query=q,
            mode=mode,
            k=k,
            offset=offset,
            results=[h.to_dict() for h in hits],  # type: ignore[misc]
            next_offset=offset + k if len(hits) == k and offset + k <= MAX_OFFSET else None,
        )

    @app.get("/papers/{paper_id:path}/similar", response_model=SimilarResponse, responses=ERRORS)
    def similar(
        searcher: Annotated[Searcher, Depends(get_searcher)],
        paper_id: Annotated[str, Path(min_length=1, max_length=MAX_ID)],
        k: Annotated[int, Query(ge=1, le=MAX_K)] = 10,
        offset: Annotated[int, Query(ge=0, le=MAX_SIMILAR_OFFSET)] = 0,
    ) -> SimilarResponse:
        hits = searcher.similar(normalize_id(paper_id), k=k + offset)[offset:]
        more = len(hits) == k and offset + k <= MAX_SIMILAR_OFFSET
        return SimilarResponse(
            id=paper_id,
            offset=offset,
            next_offset=offset + k if more else None,
            results=[h.to_dict() for h in hits],  # type: ignore[misc]
        )

    # routes under /papers/{id}/... must come before the catch-all below (old-style ids contain a slash)
    for module in EXTRA_ROUTERS:
        if importlib.util.find_spec(module) is not None:
            app.include_router(importlib.import_module(module).router)

    @app.get("/papers/{paper_id:path}", response_model=PaperOut, responses=ERRORS)
    def get_paper(
        catalog: Annotated[Catalog, Depends(get_catalog)],
        paper_id: Annotated[str, Path(min_length=1, max_length=MAX_ID)],
    ) -> PaperOut:
        paper = catalog.get_paper(normalize_id(paper_id))
        if paper is None:
            raise PaperNotFound.unknown(paper_id)
        return paper_out(paper)

    return app
