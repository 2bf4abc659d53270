"""Duplicate papers: detection evidence, no false pairs among real sample papers, and a merge that moves
citations, mentions and memberships and leaves the dropped id resolving to the kept paper."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.dedupe import find_duplicates, judge
from paperkg.pipeline import merge_duplicates
from paperkg.records import Paper


@pytest.fixture
def home(small_home, tmp_path: Path):
    """A copy of the 150-paper indexed home (catalog, indexes, built encoder)."""
    from paperkg.settings import load_settings

    for name in ("catalog.sqlite",):
        shutil.copy2(small_home.home / name, tmp_path / name)
    for sub in ("index", "models"):
        if (small_home.home / sub).is_dir():
            shutil.copytree(small_home.home / sub, tmp_path / sub)
    return load_settings(tmp_path, tagger=False)


def _pdf_copy(p: Paper) -> Paper:
    """What PDF ingest makes of the publisher's copy: its own id, no categories or versions, the title in
    the journal's capitalisation, authors as printed, the DOI of the journal version."""
    return Paper(
        id="pdf:0123456789abcdef",
        title=p.title.upper().replace(" ", "  ") + ".",
        abstract=p.abstract,
        authors=[a.upper() for a in p.authors],
        doi="10.9999/journal.2007.42",
        source="pdf",
    )


def test_judge_needs_two_kinds_of_evidence() -> None:
    a = Paper(id="2101.00001", title="Graph neural networks for molecules", authors=["Ada Smith", "Bo Li"])
    same = Paper(id="pdf:1", title="Graph Neural Networks for Molecules.", authors=["A. Smith", "B. Li"])
    assert judge(a, same, None).reasons == ["same title and authors"]
    other_team = Paper(id="x:2", title=a.title, authors=["Carla Diaz"])
    assert judge(a, other_team, 0.99).reasons == []  # a reused title by other authors
    cited_doi = Paper(id="pdf:3", title="Dark matter halos", authors=["Ada Smith"], doi="10.1/x")
    with_doi = Paper(id="2101.00009", title="Graph neural networks for molecules", doi="10.1/X")
    assert judge(with_doi, cited_doi, 0.2).reasons == []  # a DOI picked up from a reference list
    assert judge(with_doi, Paper(id="pdf:4", title=a.title, doi="10.1/x"), None).reasons[0] == "same DOI"
    retitled = Paper(id="pdf:5", title="GNNs for molecular property prediction", authors=["Ada Smith"])
    assert (
        judge(a, retitled, 0.97).reasons == ["near-identical title and abstract vectors"]
        or judge(a, retitled, 0.97).reasons == []
    )  # depends on the title ratio; never both title rules
    assert judge(a, retitled, 0.5).reasons == []
    # the next paper of a series by the same authors: near vectors, different title (0704.0026 / 0704.0112)
    sequel = Paper(
        id="x:6",
        title="Molecular graphs III: a bit-string recipe theory for zero-divisor spaces",
        authors=["Ada Smith", "Bo Li"],
    )
    assert judge(a, sequel, 0.956).reasons == []


def test_no_false_pairs_among_sample_papers(home) -> None:
    with open_catalog(home.catalog_path) as catalog:
        assert find_duplicates(catalog, home) == []


def test_find_and_merge_a_publisher_copy(home) -> None:
    from paperkg.index.build import update_indexes

    with open_catalog(home.catalog_path) as catalog:
        arxiv_pk, _h, arxiv = next(
            (pk, h, p) for pk, h, p in catalog.iter_papers() if len(p.abstract) > 400 and not p.doi
        )
        other_pk = next(pk for pk, _h, _p in catalog.iter_papers() if pk != arxiv_pk)
        with catalog.transaction():
            catalog.upsert_papers([_pdf_copy(arxiv)])
        pdf_pk = catalog.paper_pk("pdf:0123456789abcdef")
        update_indexes(catalog, home, progress=False)
        # what hangs off the PDF copy: a citation to it, its reference list, a tagged mention, and a row of
        # a table added by a later migration (as collections are), found through its foreign key
        with catalog.transaction():
            c = catalog.conn
            c.execute(
                "INSERT INTO citations (citing_pk, position, raw, cited_pk, match) VALUES (?, 0, 'r', ?, 'title')",
                (other_pk, pdf_pk),
            )
            c.execute(
                "INSERT INTO citations (citing_pk, position, raw) VALUES (?, 0, 'a reference of the pdf')", (pdf_pk,)
            )
            cur = c.execute(
                "INSERT INTO mentions (paper_pk, start, end, text, type, score) "
                "VALUES (?, 0, 5, 'lasso', 'Method', 0.9)",
                (pdf_pk,),
            )
            c.execute(
                "INSERT INTO entities (key, name, type, mention_count, paper_count) "
                "VALUES ('lasso', 'lasso', 'Method', 1, 1)"
            )
            c.execute(
                "INSERT INTO mention_entities (mention_pk, entity_pk, paper_pk) VALUES (?, "
                "(SELECT pk FROM entities WHERE key = 'lasso'), ?)",
                (cur.lastrowid, pdf_pk),
            )
            c.execute(
                "CREATE TABLE IF NOT EXISTS test_members (name TEXT NOT NULL, paper_pk INTEGER NOT NULL "
                "REFERENCES papers(pk) ON DELETE CASCADE, PRIMARY KEY (name, paper_pk))"
            )
            c.execute("INSERT INTO test_members VALUES ('reading', ?)", (pdf_pk,))
            catalog.create_collection("to read")
            catalog.set_collection_state("to read", ["pdf:0123456789abcdef"], "member")
            catalog.create_collection("not for me")
            catalog.set_collection_state("not for me", [arxiv.id], "dismissed")
            catalog.set_collection_state("not for me", ["pdf:0123456789abcdef"], "member")

        pairs = find_duplicates(catalog, home)
        assert [(p.keep, p.drop) for p in pairs] == [(arxiv.id, "pdf:0123456789abcdef")]
        ev = pairs[0].evidence
        assert ev.title > 0.95 and ev.authors == 1.0 and ev.cosine is not None and ev.cosine > 0.99
        assert "same title and authors" in ev.reasons

        merge_duplicates(catalog, home, pairs)
        assert pairs[0].merged["citations_in"] == 1 and pairs[0].merged["references"] == 1
        assert pairs[0].merged["test_members"] == 1 and pairs[0].merged["mentions"] == 1
        assert catalog.paper_pk("pdf:0123456789abcdef") == arxiv_pk  # the old id resolves to the kept paper
        assert catalog.get_paper("pdf:0123456789abcdef").id == arxiv.id
        assert catalog.get_paper(arxiv.id).doi == "10.9999/journal.2007.42"  # the DOI the arXiv record lacked
        c = catalog.conn
        assert c.execute("SELECT cited_pk FROM citations WHERE citing_pk = ?", (other_pk,)).fetchone()[0] == arxiv_pk
        assert c.execute("SELECT COUNT(*) FROM citations WHERE citing_pk = ?", (arxiv_pk,)).fetchone()[0] == 1
        assert c.execute("SELECT paper_pk FROM test_members").fetchone()[0] == arxiv_pk
        assert [m[1] for m in catalog.collection_members("to read").papers] == [arxiv.id]
        assert [m[1] for m in catalog.collection_members("not for me").papers] == [arxiv.id]  # member wins
        assert catalog.resolve_paper_ids(["pdf:0123456789abcdef"]) == [arxiv_pk]
        assert c.execute("SELECT paper_pk FROM mention_entities").fetchone()[0] == arxiv_pk
        assert c.execute("SELECT paper_count FROM entities WHERE key = 'lasso'").fetchone()[0] == 1
        evidence = json.loads(c.execute("SELECT evidence FROM paper_aliases").fetchone()[0])
        assert "same title and authors" in evidence["reasons"]
        assert find_duplicates(catalog, home) == []  # nothing left, and the index no longer holds the copy

        # the merged id arriving again (a changed PDF, a later dump) does not bring the duplicate back
        papers_before = catalog.count_papers()
        again = _pdf_copy(arxiv)
        again.abstract += " Corrected version."
        with catalog.transaction():
            counts = catalog.upsert_papers([again, Paper(id="pdf:fedcba9876543210", title="A new paper")])
        assert (counts.new, counts.updated, counts.unchanged) == (1, 0, 1)
        assert catalog.count_papers() == papers_before + 1
        assert catalog.get_paper("pdf:0123456789abcdef").id == arxiv.id

    from paperkg.index.vectors import VectorStore

    assert VectorStore.load(home).vector(pdf_pk) is None

    # the CLI and the API look the old id up too
    from paperkg.cli.main import app
    from typer.testing import CliRunner

    res = CliRunner().invoke(app, ["show", "pdf:0123456789abcdef", "--home", str(home.home)])
    assert res.exit_code == 0 and json.loads(res.output)["id"] == arxiv.id
    from fastapi.testclient import TestClient
    from paperkg.api.app import create_app

    with TestClient(create_app(home)) as client:
        r = client.get("/papers/pdf:0123456789abcdef")
        assert r.status_code == 200 and r.json()["id"] == arxiv.id
        assert client.get("/duplicates").json() == {"pairs": []}


def test_cli_lists_then_merges(home) -> None:
    from paperkg.cli.main import app
    from paperkg.index.build import update_indexes
    from typer.testing import CliRunner

    with open_catalog(home.catalog_path) as catalog:
        _pk, _h, paper = next(iter(catalog.iter_papers()))
        version = Paper(
            id="beir:doc-17", title=paper.title, abstract=paper.abstract, authors=paper.authors, source="beir"
        )
        with catalog.transaction():
            catalog.upsert_papers([version])
        update_indexes(catalog, home, progress=False)
    runner = CliRunner()
    res = runner.invoke(app, ["duplicates", "--json", "--home", str(home.home)])
    assert res.exit_code == 0, res.output
    listed = json.loads(res.output)
    assert [(p["keep"], p["drop"]) for p in listed["pairs"]] == [(paper.id, "beir:doc-17")] and listed["merged"] == 0
    res = runner.invoke(app, ["duplicates", "--merge", "--json", "--home", str(home.home)])
    assert json.loads(res.output)["merged"] == 1
    res = runner.invoke(app, ["duplicates", "--home", str(home.home)])
    assert res.exit_code == 0 and "no duplicates found" in res.output


def test_blocking_on_a_read_only_catalog(tmp_path: Path) -> None:
    """Blocking runs in SQLite's temp store, so a read-only catalog (a served home) works; a DOI block pairs
    its papers, and a title shared by more than BLOCK_MAX papers is a placeholder, not a work."""
    from paperkg.dedupe import BLOCK_MAX
    from paperkg.settings import load_settings

    settings = load_settings(tmp_path, tagger=False)
    team = ["Ada Smith", "Bo Li"]
    with open_catalog(settings.catalog_path) as catalog, catalog.transaction():
        catalog.upsert_papers(
            [
                Paper(id="2101.00001", title="Sparse attention for long documents", authors=team, doi="10.1/ABC"),
                Paper(id="pdf:1", title="Sparse Attention for Long Documents: a Study", doi="https://doi.org/10.1/abc"),
                *(Paper(id=f"x:{i}", title="Introduction", authors=team) for i in range(BLOCK_MAX + 1)),
            ]
        )
    settings.catalog_path.chmod(0o444)
    try:
        with open_catalog(settings.catalog_path, readonly=True) as catalog:
            pairs = find_duplicates(catalog, settings, use_vectors=False)
            assert [(p.keep, p.drop, p.evidence.doi) for p in pairs] == [("2101.00001", "pdf:1", "10.1/abc")]
            assert find_duplicates(catalog, settings, use_vectors=False) == pairs  # the temp table is dropped
    finally:
        settings.catalog_path.chmod(0o644)
