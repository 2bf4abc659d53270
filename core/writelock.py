"""One writer per data home: an advisory file lock (fcntl.flock) that a second writer waits on or skips."""

from __future__ import annotations

import errno
import fcntl
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from paperkg.errors import PaperkgError

LOCK_NAME = ".writer.lock"


class HomeBusy(PaperkgError):
    """Another process holds the home's writer lock longer than this caller was willing to wait."""

    http_status = 503


class HomeReadOnly(PaperkgError):
    """The data home cannot be written (read-only file system or permissions)."""

    http_status = 503


# flock belongs to an open file, so two opens in one process would block each other: the process takes the
# file lock once and its threads queue on an RLock (re-entrant for nested writers such as reindex -> repair)
_held: dict[str, tuple[threading.RLock, list[int]]] = {}
_registry_lock = threading.Lock()


def holder(home: Path) -> str:
    """Who holds the lock, as written by the holder ("pid 123: ingest"), or '' when unknown."""
    try:
        return (home / LOCK_NAME).read_text(encoding="utf-8").strip()
    except OSError:
        return ""


@contextmanager
def writer_lock(
    home: Path,
    what: str,
    *,
    wait: bool | float = True,
    notify: Callable[[str], None] | None = None,
) -> Iterator[bool]:
    """Hold the home's writer lock. `wait`: True blocks (calling `notify` once with who holds it), a number
    waits that many seconds then raises HomeBusy, False yields False at once when the lock is taken."""
    home = Path(home)
    key = str(home.resolve())
    with _registry_lock:
        rlock, state = _held.setdefault(key, (threading.RLock(), [0, -1]))
    if not rlock.acquire(blocking=wait is not False, timeout=-1 if wait is True or wait is False else float(wait)):
        if wait is False:
            yield False
            return
        raise HomeBusy(f"another writer in this process is still writing to {home}; retry later")
    try:
        if state[0] == 0:
            fd = _open_lock_file(home)
            try:
                got = _flock(fd, home, wait, notify)
            except BaseException:
                os.close(fd)
                raise
            if not got:  # wait=False and another process holds it
                os.close(fd)
                yield False
                return
            state[1] = fd
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"pid {os.getpid()}: {what}\n".encode(), 0)
        state[0] += 1
        try:
            yield True
        finally:
            state[0] -= 1
            if state[0] == 0:
                fd, state[1] = state[1], -1
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
    finally:
        rlock.release()


def _open_lock_file(home: Path) -> int:
    try:
        home.mkdir(parents=True, exist_ok=True)
        return os.open(home / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        if exc.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise HomeReadOnly(
                f"the data home {home} is read-only ({exc.strerror}): it can be searched and served, not written"
            ) from exc
        raise


def _try(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


def _flock(fd: int, home: Path, wait: bool | float, notify: Callable[[str], None] | None) -> bool:
    if _try(fd):
        return True
    if wait is False:
        return False
    who = holder(home) or "another process"
    if notify is not None:
        notify(f"waiting: {who} is writing to {home} (one writer at a time)")
    if wait is True:
        fcntl.flock(fd, fcntl.LOCK_EX)
        return True
    deadline = time.monotonic() + float(wait)
    while time.monotonic() < deadline:
        time.sleep(0.05)
        if _try(fd):
            return True
    raise HomeBusy(f"{who} has been writing to {home} for over {float(wait):.0f} s; retry later")
