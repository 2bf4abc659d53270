"""The index folders on the artifact layer (paperkg.artifacts): where each index lives, and FAISS file writes."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from paperkg.artifacts import KEEP_VERSIONS, cached, current, is_published, new_version, publish, read_manifest
from paperkg.errors import IndexNotReady
from paperkg.settings import Settings

T = TypeVar("T")

__all__ = [
    "DENSE",
    "KEEP_VERSIONS",
    "LEXICAL",
    "PASSAGES",
    "cached",
    "current",
    "dense_root",
    "index_root",
    "is_published",
    "lexical_root",
    "new_version",
    "passages_root",
    "publish",
    "read_manifest",
    "shared",
    "write_faiss",
]

# one versioned folder per index under settings.index_dir
DENSE, LEXICAL, PASSAGES = "dense", "lexical", "passages"


def index_root(index_dir: Path, name: str) -> Path:
    return Path(index_dir) / name


def dense_root(settings: Settings) -> Path:
    return index_root(settings.index_dir, DENSE)


def lexical_root(settings: Settings) -> Path:
    return index_root(settings.index_dir, LEXICAL)


def passages_root(settings: Settings) -> Path:
    return index_root(settings.index_dir, PASSAGES)


def shared(root: Path, load: Callable[[Path], T], missing: str) -> T:
    """The process's one copy of an index's published version (paperkg.artifacts.cached); IndexNotReady
    saying `missing` when none is published."""
    try:
        return cached(root, load)
    except FileNotFoundError:
        if current(root) is not None:
            raise  # a published version lost a file: not "never built"
        raise IndexNotReady(missing) from None


def write_faiss(index: Any, path: Path) -> None:
    """faiss.write_index, with a full disk reported as an OSError naming the file (FAISS raises RuntimeError)."""
    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:
        code = errno.ENOSPC if "No space left" in str(exc) else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from exc
