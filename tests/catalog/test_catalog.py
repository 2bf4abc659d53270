from __future__ import annotations

from pathlib import Path

from paperkg.catalog import QuarantineEntry, open_catalog
from paperkg.records import Paper


def paper(**kw: object) -> Paper:
    base = dict(id="2301.00001", title="A title", abstract="An abstract", versions=["v1"], categories=["cs.CL"])
    base.update(kw)
    return Paper(**base)  # type: ignore[arg-type]


def test_migrations_are_versioned_and_idempotent(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.sqlite") as cat:
        version = cat.schema_version
        assert version >= 1
    with open_catalog(tmp_path / "c.sqlite") as cat:
        assert cat.schema_version == version


def test_upsert_new_unchanged_updated_and_older_version(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.sqlite") as cat:
        with cat.transaction():
            c1 = cat.upsert_papers([paper()])
        assert (c1.new, c1.updated, c1.unchanged) == (1, 0, 0)
        with cat.transaction():
            c2 = cat.upsert_papers([paper(source="other-format")])
        assert (c2.new, c2.updated, c2.unchanged) == (0, 0, 1)
        with cat.transaction():
            c3 = cat.upsert_papers([paper(title="A better title", versions=["v1", "v2"])])
        assert (c3.new, c3.updated) == (0, 1)
        # an older version arriving later does not overwrite the newer one
        with cat.transaction():
            c4 = cat.upsert_papers([paper(title="Old title", versions=["v1"])])
        assert c4.unchanged == 1
        stored = cat.get_paper("2301.00001")
        assert stored is not None and stored.title == "A better title"
        assert cat.count_papers() == 1
        assert cat.pks_matching(category="cs") == {cat.paper_pk("2301.00001")}
        assert cat.pks_matching(category="cs.LG") == set()
        assert cat.pks_matching(category="c%") == set()  # LIKE wildcards are data, not syntax


def test_quarantine_is_keyed_by_location(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.sqlite") as cat:
        for _ in range(2):
            with cat.transaction():
                cat.quarantine([QuarantineEntry("f.jsonl", "line 3", "invalid JSON")])
        assert cat.count_quarantined() == 1
        assert cat.quarantined()[0].location == "line 3"


def test_index_diff_tracks_changes_and_deletions(tmp_path: Path) -> None:
    with open_catalog(tmp_path / "c.sqlite") as cat:
        with cat.transaction():
            cat.upsert_papers([paper(), paper(id="2301.00002")])
        todo, gone = cat.index_diff("dense")
        assert len(todo) == 2 and gone == []
        with cat.transaction():
            cat.mark_indexed("dense", todo)
        assert cat.index_diff("dense") == ([], [])
        with cat.transaction():
            cat.upsert_papers([paper(abstract="changed", versions=["v1", "v2"])])
            cat.delete_paper("2301.00002")
        todo, gone = cat.index_diff("dense")
        assert todo == [cat.paper_pk("2301.00001")] and len(gone) == 1


def test_catalog_digest_kept_until_any_connection_writes(tmp_path: Path) -> None:
    """The digest reads every paper, so it is kept; a write by this connection, by another one, or by another
    process must change it, and an idle catalog must not read the papers again."""
    import subprocess
    import sys

    path = tmp_path / "c.sqlite"
    with open_catalog(path) as cat, open_catalog(path, readonly=True) as reader:
        with cat.transaction():
            cat.upsert_papers([paper()])
        first = reader.catalog_digest()
        assert reader.catalog_digest() == first == cat.catalog_digest()
        statements: list[str] = []
        reader.conn.set_trace_callback(statements.append)
        assert reader.catalog_digest() == first
        reader.conn.set_trace_callback(None)
        assert not any("content_hash FROM papers" in q for q in statements)  # kept, not read again

        with cat.transaction():  # another connection of this process
            cat.upsert_papers([paper(abstract="A changed abstract")])
        second = reader.catalog_digest()
        assert second != first and second == cat.catalog_digest()

        with cat.transaction():  # this connection's own write
            cat.upsert_papers([paper(id="2301.00002")])
        third = cat.catalog_digest()
        assert third not in (first, second) and reader.catalog_digest() == third

        # another process removes that paper again: both connections see the earlier state
        sql = "DELETE FROM papers WHERE id = '2301.00002'"
        code = f"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute({sql!r}); c.commit()"
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        assert reader.catalog_digest() == cat.catalog_digest() == second

        # index_pending is kept the same way: marked papers, then a mark removed by another process
        assert reader.index_pending("dense") is True
        with cat.transaction():
            cat.mark_indexed("dense", cat.paper_pks())
        assert reader.index_pending("dense") is False and cat.index_pending("dense") is False
        sql = "DELETE FROM index_state"
        code = f"import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute({sql!r}); c.commit()"
        subprocess.run([sys.executable, "-c", code, str(path)], check=True)
        assert reader.index_pending("dense") is True and cat.index_pending("dense") is True
