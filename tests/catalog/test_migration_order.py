"""Migrations apply on a fresh catalog and on catalogs holding any subset of the earlier ones."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.catalog.store import _migrations


def _tables(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    finally:
        conn.close()


def test_a_catalog_at_a_later_version_missing_an_earlier_migration_gets_it(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    open_catalog(path).close()
    assert "stage_failures" in _tables(path)
    latest = max(v for v, _n, _s in _migrations())
    conn = sqlite3.connect(path)  # as left by a branch that landed 0007 before 0006 existed
    conn.execute("DROP TABLE stage_failures")
    conn.execute("DROP TABLE schema_migrations")
    conn.execute(f"PRAGMA user_version = {latest}")
    conn.commit()
    conn.close()
    with open_catalog(path) as cat:
        assert cat.schema_version == latest
        assert cat.stats()["failed_tagger"] == 0
    assert "stage_failures" in _tables(path)
    with open_catalog(path):  # and applying is idempotent
        pass
