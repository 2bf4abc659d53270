"""The SQLite connection of the catalog: opening, versioned migrations and transactions."""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from paperkg.errors import PaperkgError
from paperkg.storage import storage_error


class CatalogUnavailable(PaperkgError):
    """The catalog cannot be opened as asked: missing, written by a newer paperkg, or on a read-only home."""

    http_status = 503


T = TypeVar("T")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def chunks(values: Sequence[T], size: int = 500) -> Iterator[list[T]]:
    """Slices of at most `size` values: SQLite caps the `?` parameters of one statement."""
    for start in range(0, len(values), size):
        yield list(values[start : start + size])


def listing(
    select: str, order: str, limit: int, *, where: str | None = None, equal: dict[str, object] | None = None
) -> tuple[str, list[object]]:
    """A list query: `select`, a fixed `where`, `column = ?` for each non-empty value in `equal`, order, limit.

    Column names and clauses are literals of the calling method; values only travel as parameters.
    """
    conditions = [where] if where else []
    args: list[object] = []
    for column, value in (equal or {}).items():
        if value:
            conditions.append(f"{column} = ?")
            args.append(value)
    sql = select + (" WHERE " + " AND ".join(conditions) if conditions else "") + f" ORDER BY {order} LIMIT ?"
    return sql, [*args, limit]


LEGACY_MAX = 5  # migrations 0001-0005 predate per-version records (see Store.migrate)


def _migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every file in migrations/, in order."""
    found = []
    for entry in resources.files("paperkg.catalog").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Store:
    """Owns the connection. Every write goes through `transaction()` so a killed run leaves whole batches only."""

    def __init__(self, path: Path | str, *, readonly: bool | None = False) -> None:
        """`readonly`: False opens for writing (creating the file), True read-only, None read-only only when
        the home cannot be written (a read-only file system or mount): it can still be searched and served."""
        self.path = Path(path)
        if readonly is None:
            readonly = not _writable(self.path)
        self.readonly = readonly
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            uri = f"file:{quote(str(self.path))}"
        elif not self.path.is_file():
            raise CatalogUnavailable(f"no catalog at {self.path}; run `paperkg ingest` first")
        elif _writable(self.path.parent):
            uri = f"file:{quote(str(self.path))}?mode=ro"
        else:
            # nothing can change the file under us on a read-only mount, and SQLite could not create the WAL
            # index (-shm) there: immutable skips locking and the WAL machinery altogether
            uri = f"file:{quote(str(self.path))}?mode=ro&immutable=1"
        try:
            self.conn = sqlite3.connect(uri, uri=True, isolation_level=None, check_same_thread=False, timeout=60)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA foreign_keys = ON")
            self._check_version()
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
                self.migrate()
        except sqlite3.OperationalError as exc:
            raise CatalogUnavailable(f"cannot open the catalog {self.path}: {exc}") from exc

    def _check_version(self) -> None:
        known = max((v for v, _n, _s in _migrations()), default=0)
        found = self.schema_version
        if found > known:
            self.conn.close()
            raise CatalogUnavailable(
                f"the catalog {self.path} was written by a newer paperkg (schema {found}; this version knows "
                f"up to {known}); upgrade paperkg to use this home"
            )

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> None:
        """Apply every migration not applied yet, in number order, each in its own transaction.

        Applied versions are recorded one by one (schema_migrations), not only as a high-water mark: branches
        land migrations out of order, and a catalog at version 7 may still lack 6. Up to LEGACY_MAX, the
        versions were applied strictly in order, so user_version says which of those a catalog holds; the
        later ones are written to be safe to run again (IF NOT EXISTS)."""
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied TEXT NOT NULL)"
        )
        current = self.schema_version
        # a record above user_version means the file was rolled back to an older catalog: not applied any more
        applied = {
            int(r[0]) for r in self.conn.execute("SELECT version FROM schema_migrations WHERE version <= ?", (current,))
        }
        applied |= set(range(1, min(current, LEGACY_MAX) + 1))
        for version, name, sql in _migrations():
            if version in applied:
                continue
            with self.transaction():
                # executescript would commit on its own; run statements one by one inside our transaction
                for statement in _split_sql(sql):
                    self.conn.execute(statement)
                self.conn.execute(
                    "INSERT OR REPLACE INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
                    (version, name, now()),
                )
                self.conn.execute(f"PRAGMA user_version = {max(int(version), self.schema_version)}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; disk full or a read-only catalog becomes one StorageError naming the file."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                # SQLite rolls back by itself on some errors (disk full, I/O error); a second ROLLBACK would
                # then raise "no transaction is active" and hide the real cause
                if self.conn.in_transaction:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
        except (sqlite3.OperationalError, sqlite3.DatabaseError) as exc:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            converted = storage_error(exc, self.path)
            if converted is None:
                raise
            raise converted from exc


def _writable(path: Path) -> bool:
    """Can this file (or, when it does not exist yet, its folder) be written? Probes the file system, since
    os.access ignores read-only mounts for root."""
    target = path if path.exists() else path.parent
    if not target.exists():
        return _writable(target) if target != target.parent else False
    if not os.access(target, os.W_OK):
        return False
    probe_dir = target if target.is_dir() else target.parent
    try:
        fd, name = tempfile.mkstemp(prefix=".paperkg-probe-", dir=probe_dir)
    except OSError:
        return False
    os.close(fd)
    os.unlink(name)
    return True


def _split_sql(script: str) -> list[str]:
    """Split a migration script into statements (our migrations hold no semicolons inside literals)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]
