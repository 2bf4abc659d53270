"""Shared dependencies of the API: settings, a catalog connection per worker thread, the searcher."""

from __future__ import annotations

import threading
from functools import lru_cache

from paperkg.catalog import Catalog, open_catalog
from paperkg.index.search import Searcher
from paperkg.settings import Settings, load_settings

_local = threading.local()
_override: Settings | None = None


def configure(settings: Settings | None) -> None:
    """Pin the settings (the app factory and tests call this); None falls back to the environment."""
    global _override
    _override = settings
    get_settings.cache_clear()
    _searchers.clear()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return _override if _override is not None else load_settings()


def get_catalog() -> Catalog:
    """SQLite connections are not shared across threads: one per worker thread and data home."""
    settings = get_settings()
    key = str(settings.catalog_path)
    cats: dict[str, Catalog] = getattr(_local, "catalogs", None) or {}
    _local.catalogs = cats
    if key not in cats:
        cats[key] = open_catalog(settings.catalog_path, readonly=None)  # read-only homes can be served
    return cats[key]


_searchers: dict[str, Searcher] = {}
_lock = threading.Lock()


def reload_searchers() -> None:
    """After this process changed the indexes (a write): every thread's searcher re-reads them."""
    with _lock:
        searchers = list(_searchers.values())
    for searcher in searchers:
        searcher.reload()


def get_searcher() -> Searcher:
    settings = get_settings()
    catalog = get_catalog()
    key = f"{settings.home}:{threading.get_ident()}"
    with _lock:
        if key not in _searchers:
            _searchers[key] = Searcher(settings, catalog)
        return _searchers[key]
