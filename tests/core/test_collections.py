"""Collections in the catalog and through `paperkg collection ...`: create, rename, delete, add, dismiss, remove."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.errors import BadInput, CollectionExists, CollectionNotFound, PaperNotFound
from paperkg.records import Paper
from typer.testing import CliRunner


def paper(pid: str, title: str = "A title long enough to match", **kw: object) -> Paper:
    return Paper(id=pid, title=title, abstract="An abstract", versions=["v1"], categories=["cs.CL"], **kw)  # type: ignore[arg-type]


@pytest.fixture
def catalog(tmp_path: Path):
    with open_catalog(tmp_path / "catalog.sqlite") as cat:
        with cat.transaction():
            cat.upsert_papers([paper(f"2301.0000{i}", f"Paper number {i} about retrieval") for i in range(1, 6)])
        yield cat


def test_create_rename_delete_and_errors(catalog) -> None:
    with catalog.transaction():
        info = catalog.create_collection("  reading   group ")
    assert info.name == "reading group"  # spaces normalised
    with pytest.raises(CollectionExists), catalog.transaction():
        catalog.create_collection("reading group")
    with pytest.raises(BadInput), catalog.transaction():
        catalog.create_collection("   ")
    with catalog.transaction():
        catalog.create_collection("other")
        renamed = catalog.rename_collection("reading group", "agents")
    assert renamed.id == info.id and catalog.collection(info.id).name == "agents"
    with pytest.raises(CollectionExists), catalog.transaction():
        catalog.rename_collection("agents", "other")
    with pytest.raises(CollectionNotFound):
        catalog.collection("reading group")
    assert [c.name for c in catalog.list_collections()] == ["agents", "other"]
    with catalog.transaction():
        catalog.delete_collection("agents")
    assert [c.name for c in catalog.list_collections()] == ["other"]


def test_membership_states_unknown_ids_and_cascades(catalog) -> None:
    with catalog.transaction():
        catalog.create_collection("c")
        assert catalog.set_collection_state("c", ["2301.00001", "arXiv:2301.00002v3"], "member") == 2
        assert catalog.set_collection_state("c", ["2301.00001"], "member") == 0  # already there
        assert catalog.set_collection_state("c", ["2301.00003", "2301.00002"], "dismissed") == 2
    m = catalog.collection_members("c")
    assert [p[1] for p in m.papers] == ["2301.00001"]
    assert sorted(p[1] for p in m.dismissed) == ["2301.00002", "2301.00003"]
    info = catalog.collection("c")
    assert (info.papers, info.dismissed) == (1, 2)

    # one unknown id: the standard not-found error naming it, and nothing changes
    with pytest.raises(PaperNotFound, match="9999.99999"), catalog.transaction():
        catalog.set_collection_state("c", ["2301.00004", "9999.99999"], "member")
    assert [p[1] for p in catalog.collection_members("c").papers] == ["2301.00001"]

    with catalog.transaction():
        assert catalog.remove_from_collection("c", ["2301.00003"]) == 1
        catalog.delete_paper("2301.00001")  # a paper leaving the catalog leaves its collections
    m = catalog.collection_members("c")
    assert m.papers == [] and [p[1] for p in m.dismissed] == ["2301.00002"]


def test_move_memberships_for_duplicate_merges(catalog) -> None:
    a, b = catalog.paper_pk("2301.00001"), catalog.paper_pk("2301.00002")
    with catalog.transaction():
        catalog.create_collection("x")
        catalog.create_collection("y")
        catalog.set_collection_state("x", ["2301.00001"], "member")
        catalog.set_collection_state("y", ["2301.00001"], "member")
        catalog.set_collection_state("y", ["2301.00002"], "dismissed")
        catalog.move_collection_memberships(a, b)
    assert [p[1] for p in catalog.collection_members("x").papers] == ["2301.00002"]
    assert [p[1] for p in catalog.collection_members("y").papers] == ["2301.00002"]  # membership beats dismissal
    assert catalog.collection_members("y").dismissed == []


def test_migration_applies_to_an_older_catalog(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    with open_catalog(path):
        pass
    conn = sqlite3.connect(path)  # roll the file back to a version-5 catalog, as main had before 0007
    conn.executescript("DROP TABLE collection_papers; DROP TABLE collections; PRAGMA user_version = 5;")
    conn.close()
    with open_catalog(path) as cat:
        assert cat.schema_version >= 7
        with cat.transaction():
            cat.create_collection("back")
        assert [c.name for c in cat.list_collections()] == ["back"]


def test_cli_collection_verbs(small_home, tmp_path: Path) -> None:
    runner = CliRunner()
    shutil.copy2(small_home.catalog_path, tmp_path / "catalog.sqlite")  # the shared home stays as it is
    home = ["--home", str(tmp_path)]
    with open_catalog(tmp_path / "catalog.sqlite") as cat:
        ids = [p.id for _pk, _h, p in cat.iter_papers()][:4]

    def run(*args: str):
        return runner.invoke(app, [*args, *home])

    assert run("collection", "create", "cli test").exit_code == 0
    assert run("collection", "create", "cli test").exit_code == 1
    assert run("collection", "add", "cli test", ids[0], ids[1], ids[2]).exit_code == 0
    assert run("collection", "dismiss", "cli test", ids[2], ids[3]).exit_code == 0
    shown = json.loads(run("collection", "show", "cli test", "--json").stdout)
    assert shown == {"name": "cli test", "papers": ids[:2], "dismissed": [ids[2], ids[3]]}
    listed = json.loads(run("collection", "list", "--json").stdout)
    assert {"name": "cli test", "papers": 2, "dismissed": 2}.items() <= next(
        c for c in listed if c["name"] == "cli test"
    ).items()
    bad = run("collection", "add", "cli test", "0000.00000")
    assert bad.exit_code == 2 and "0000.00000" in bad.stderr
    assert run("collection", "show", "nope").exit_code == 2
    assert run("collection", "remove", "cli test", ids[3]).exit_code == 0
    assert run("collection", "rename", "cli test", "cli renamed").exit_code == 0
    assert json.loads(run("collection", "show", "cli renamed", "--json").stdout)["dismissed"] == [ids[2]]
    assert run("collection", "delete", "cli renamed").exit_code == 0
    assert all(c["name"] != "cli renamed" for c in json.loads(run("collection", "list", "--json").stdout))
