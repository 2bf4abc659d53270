"""Atomic, versioned index artifacts: each save is a new folder, published by renaming a CURRENT pointer."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KEEP_VERSIONS = 2


def current(root: Path) -> Path | None:
    """Folder of the published version, or None when nothing has been published."""
    pointer = root / "CURRENT"
    if not pointer.is_file():
        return None
    folder = root / pointer.read_text(encoding="utf-8").strip()
    return folder if folder.is_dir() else None


def new_version(root: Path) -> Path:
    """A fresh, unpublished folder to write a version into."""
    root.mkdir(parents=True, exist_ok=True)
    # nanosecond stamps keep names in creation order even for several saves within one second
    return Path(tempfile.mkdtemp(prefix=f"v{time.time_ns():020d}-", dir=root))


def publish(root: Path, folder: Path, manifest: dict[str, Any]) -> None:
    """Write the manifest, then switch CURRENT to the folder in one rename; readers never see half a version."""
    manifest = {**manifest, "created": datetime.now(UTC).isoformat(timespec="seconds")}
    write_json_atomic(folder / "manifest.json", manifest)
    tmp = root / f".CURRENT.{os.getpid()}"
    tmp.write_text(folder.name, encoding="utf-8")
    os.replace(tmp, root / "CURRENT")
    _prune(root, keep=folder.name)


def write_faiss(index: Any, path: Path) -> None:
    """faiss.write_index, with a full disk reported as an OSError naming the file (FAISS raises RuntimeError)."""
    import errno

    import faiss

    try:
        faiss.write_index(index, str(path))
    except RuntimeError as exc:
        code = errno.ENOSPC if "No space left" in str(exc) else errno.EIO
        raise OSError(code, os.strerror(code), str(path)) from exc


def read_manifest(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def write_json_atomic(path: Path, data: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True), encoding="utf-8")
    os.replace(tmp, path)


def _prune(root: Path, keep: str) -> None:
    """Drop old versions (and folders of killed runs), keeping the newest few for readers still using them."""
    versions = sorted((p for p in root.iterdir() if p.is_dir() and p.name.startswith("v")), key=lambda p: p.name)
    published = [p for p in versions if (p / "manifest.json").is_file()]
    stale = [p for p in versions if p not in published and p.name != keep]
    old = [p for p in published[:-KEEP_VERSIONS] if p.name != keep]
    for p in stale + old:
        shutil.rmtree(p, ignore_errors=True)
