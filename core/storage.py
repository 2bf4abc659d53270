"""Failures of the data home's storage (disk full, read-only, I/O) turned into one clear line naming the file."""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from paperkg.errors import PaperkgError


class StorageError(PaperkgError):
    """The home could not be written: the message names the cause and the file; nothing published is lost."""

    http_status = 507


RESUME = "free space and run the command again: what was committed is kept and the run resumes"


def storage_error(exc: BaseException, path: Path | str | None = None) -> StorageError | None:
    """A StorageError for disk-full, read-only and I/O failures (OSError, SQLite, FAISS); None for others."""
    where = str(path or getattr(exc, "filename", None) or "the data home")
    if isinstance(exc, OSError):
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            return StorageError(f"disk full: no space left writing {where}; {RESUME}")
        if exc.errno == errno.EROFS:
            return StorageError(f"read-only file system: cannot write {where}")
        if exc.errno == errno.EIO:
            return StorageError(f"I/O error writing {where}: {exc.strerror}")
        return None
    text = str(exc)
    if isinstance(exc, sqlite3.OperationalError | sqlite3.DatabaseError):
        low = text.lower()
        if "full" in low:
            return StorageError(f"disk full: the catalog {where} could not be written ({text}); {RESUME}")
        if "readonly" in low or "read-only" in low:
            return StorageError(f"the catalog {where} is read-only ({text}): it can be searched, not written")
        if "disk i/o" in low:
            return StorageError(f"I/O error writing the catalog {where} ({text})")
        return None
    if isinstance(exc, RuntimeError) and ("No space left" in text or "errno 28" in text.lower()):
        return StorageError(f"disk full: no space left writing {where}; {RESUME}")
    return None
