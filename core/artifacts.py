"""Artifacts on disk: atomic file writes, versioned folders published by a CURRENT pointer, one load per version.

Every file paperkg writes for later readers (indexes, the graph, caches, exports) goes through here, so a
reader never sees half a file and a version is switched in one rename. A versioned artifact lives under a
root folder: `root/v<stamp>-<random>/` holds one version's files and its `manifest.json`; `root/CURRENT`
names the published one. `cached` keeps one loaded copy per process and published version.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")

POINTER = "CURRENT"
MANIFEST = "manifest.json"
KEEP_VERSIONS = 2  # published versions kept: a reader still holding the previous one can finish


# --- atomic files ---------------------------------------------------------------------------------------
@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside `path` to write to; renamed over `path` when the block ends without an error,
    removed otherwise. For writers that want a file name (np.save, savefig, csv, ONNX)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # named per process and thread, created by the writer with the usual permissions (mkstemp's are 0600); it
    # ends like the target, since some writers add their own suffix otherwise (np.save adds .npy)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: Path, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


def atomic_write_json(
    path: Path, data: Any, *, indent: int | None = 2, sort_keys: bool = True, ensure_ascii: bool = True
) -> None:
    atomic_write_text(path, json.dumps(data, indent=indent, sort_keys=sort_keys, ensure_ascii=ensure_ascii))


# --- versioned folders ----------------------------------------------------------------------------------
def version(root: Path) -> str | None:
    """Name of the published version (what CURRENT says), or None when nothing has been published."""
    try:
        name = (root / POINTER).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return None
    return name or None


def current(root: Path) -> Path | None:
    """Folder of the published version, or None when nothing has been published."""
    name = version(root)
    if name is None:
        return None
    folder = root / name
    return folder if folder.is_dir() else None


def is_published(root: Path) -> bool:
    return current(root) is not None


def new_version(root: Path) -> Path:
    """A fresh, unpublished folder to write a version into."""
    root.mkdir(parents=True, exist_ok=True)
    # nanosecond stamps keep names in creation order even for several saves within one second
    return Path(tempfile.mkdtemp(prefix=f"v{time.time_ns():020d}-", dir=root))


def publish(root: Path, folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest, then switch CURRENT to the folder in one rename; readers never see half a version."""
    manifest = {**manifest, "created": datetime.now(UTC).isoformat(timespec="seconds")}
    atomic_write_json(folder / MANIFEST, manifest)
    atomic_write_text(root / POINTER, folder.name)
    _prune(root, keep=folder.name)


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))


def _prune(root: Path, keep: str) -> None:
    """Drop old versions (and folders of killed runs), keeping the newest few for readers still using them."""
    versions = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")), key=lambda p: p.name)
    published = [p for p in versions if (p / MANIFEST).is_file()]
    stale = [p for p in versions if p not in published and p.name != keep]
    old = [p for p in published[:-KEEP_VERSIONS] if p.name != keep]
    for p in stale + old:
        shutil.rmtree(p, ignore_errors=True)


# --- one loaded copy per process and version ------------------------------------------------------------
_LOADED: dict[str, tuple[str, Any]] = {}
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_LOCK = threading.Lock()


def cached(root: Path, load: Callable[[Path], T]) -> T:
    """`load(folder)` of the published version, once per process and version, shared by every thread.

    CURRENT is read on each call (one small read: this runs per search request), so a version published by
    another process (a `POST /papers` in another worker, a re-ingest) is picked up by the next call without a
    restart. One loader per root: the copy is keyed by the root alone. Raises FileNotFoundError when nothing
    is published."""
    name = version(root)
    if name is None:
        raise FileNotFoundError(errno.ENOENT, "nothing published", str(root))
    return cached_as(root, name, lambda: load(_folder(root, name)))


def cached_as(root: Path, name: str, load: Callable[[], T]) -> T:
    """`load()` once per process for the version `name` of `root` (for layouts older than versioned folders,
    whose version is e.g. a file's modification time)."""
    key = str(root)
    hit = _LOADED.get(key)  # the common case, without a lock: a dict read is atomic
    if hit is not None and hit[0] == name:
        return hit[1]
    with _LOCKS_LOCK:
        lock = _LOCKS.setdefault(key, threading.Lock())
    with lock:  # one thread loads; the others wait for its copy instead of loading their own
        hit = _LOADED.get(key)
        if hit is not None and hit[0] == name:
            return hit[1]
        value = load()
        _LOADED[key] = (name, value)
        # a loaded artifact holds ~10^5 long-lived Python objects (BM25 vocabulary, ids, names); move them
        # out of the garbage collector's view so full collections stop rescanning them (~170 ms each)
        gc.collect()
        gc.freeze()
        return value


def _folder(root: Path, name: str) -> Path:
    folder = root / name
    if not folder.is_dir():
        raise FileNotFoundError(errno.ENOENT, "published version missing", str(folder))
    return folder


def cached_roots() -> list[str]:
    """Roots with a loaded copy in this process (health checks and tests)."""
    return list(_LOADED)


def forget(root: Path | None = None) -> None:
    """Drop the loaded copy of `root` (all of them when None); the next `cached` call loads again."""
    if root is None:
        _LOADED.clear()
    else:
        _LOADED.pop(str(root), None)
