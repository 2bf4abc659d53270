"""The web page: `/` and its static assets (plain HTML/JS, cytoscape.js vendored from npm; no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse
from starlette.exceptions import HTTPException

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
MEDIA_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".LICENSE": "text/plain; charset=utf-8",
}
# the page runs only its own scripts; cytoscape sets inline styles on its canvas container
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _assets() -> dict[str, Path]:
    """Every servable file by its URL name: a fixed list, so no request path ever reaches the file system."""
    return {
        p.relative_to(STATIC).as_posix(): p
        for p in sorted(STATIC.rglob("*"))
        if p.is_file() and p.suffix in MEDIA_TYPES
    }


ASSETS = _assets()


@router.get("/")
def page() -> FileResponse:
    return FileResponse(STATIC / "index.html", media_type=MEDIA_TYPES[".html"], headers=HEADERS)


@router.get("/static/{name:path}")
def asset(name: str) -> FileResponse:
    path = ASSETS.get(name)
    if path is None:
        raise HTTPException(404, f"no static file {name!r}")
    # vendored libraries never change under a name; our own files may, so they are revalidated
    cache = "public, max-age=86400" if name.startswith("vendor/") else "no-cache"
    headers = {**HEADERS, "Cache-Control": cache}
    return FileResponse(path, media_type=MEDIA_TYPES[path.suffix], headers=headers)
