"""Where locally built int8 models live (setting `cache_dir`, default ~/.cache/paperkg) and pruning of old builds."""

from __future__ import annotations

import os
import time
from pathlib import Path

DEFAULT_CACHE = Path.home() / ".cache" / "paperkg"
# a build unused for this long is deleted when a newer one of the same kind is built; each use refreshes its
# time, so checkouts with different weights sharing one cache do not delete each other's builds
STALE_DAYS = 14

_root: Path | None = None


def use(root: Path | str | None) -> None:
    """Set the cache root for this process (load_settings calls it with Settings.cache_dir)."""
    global _root
    _root = Path(root).expanduser() if root else None


def folder(kind: str, override_env: str | None = None) -> Path:
    """The folder of one kind of built model (encoders/, tagger/); `override_env` names an older per-kind
    variable that still wins when set."""
    if override_env and os.environ.get(override_env):
        return Path(os.environ[override_env]).expanduser()
    root = _root or Path(os.environ.get("PAPERKG_CACHE_DIR") or DEFAULT_CACHE).expanduser()
    return root / kind


def touch(path: Path) -> None:
    """Mark a build as used now (a read-only cache is fine: the build is then only pruned a little early)."""
    try:
        os.utime(path)
    except OSError:
        pass


def prune(keep: Path, pattern: str, *, stale_days: float = STALE_DAYS) -> list[Path]:
    """Delete the files of other builds matching `pattern` (a glob over file names in keep's folder, e.g.
    `tagger-encoder-*`) whose newest file is older than `stale_days`. Returns what was deleted."""
    cutoff = time.time() - stale_days * 86400
    # a build is every file sharing the name up to the first dot: model, meta, and e.g. quality-gate records
    own = keep.name.split(".", 1)[0]
    builds: dict[str, list[Path]] = {}
    for path in keep.parent.glob(pattern):
        build = path.name.split(".", 1)[0]
        if path.is_file() and build != own:
            builds.setdefault(build, []).append(path)
    removed: list[Path] = []
    for files in builds.values():
        try:
            if max(p.stat().st_mtime for p in files) >= cutoff:
                continue
            for p in files:
                p.unlink(missing_ok=True)
                removed.append(p)
        except OSError:  # another process removed or is replacing it: leave it
            continue
    return removed
