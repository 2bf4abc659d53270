"""Citations in the catalog: storing a PDF's references and passages, matching by arXiv id, DOI and title."""

from __future__ import annotations

from pathlib import Path

import pytest
from paperkg.catalog import Catalog, open_catalog
from paperkg.catalog.citations import PASSAGE_OVERLAP, PASSAGE_WORDS, external_key, split_passages, title_key
from paperkg.records import Paper


def _ref(raw: str, **fields) -> dict:
    base = {"raw": raw, "arxiv_id": None, "doi": None, "title": None, "authors": [], "year": None}
    return base | fields


REFS = [
    _ref("Longformer", arxiv_id="2004.05150", title="Longformer: The long-document transformer", year=2020),
    _ref("Hoitsma", doi="10.1016/J.JNS.2004.08.012", title="Small fiber neuropathy", year=2004),
    # a hyphen lost at a line break and a ligature: still the same title
    _ref(
        "Bhagavatula",
        title="Content-based citation recommendation",
        authors=["Chandra Bhagavatula"],
        year=2018,
    ),
    _ref(
        "Specter",
        title="SPECTER: Document level representation learning using citation informed transformers",
    ),
    _ref("Unknown", title="A paper nobody in this catalog has written yet", year=2001),
    _ref("Short", title="BERT"),  # too short to match by title alone
    _ref("Self", arxiv_id="2206.10883"),  # a paper citing itself (e.g. its own arXiv stamp) is no edge
]


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    cat = open_catalog(tmp_path / "catalog.sqlite")
    with cat.transaction():
        cat.upsert_papers(
            [
                Paper(id="2206.10883", title="Multi-LexSum", submitted="2022-06-01"),
                Paper(id="2004.05150", title="Longformer: The Long-Document Transformer", submitted="2020-04-10"),
                Paper(id="beir:1", title="Something else entirely", doi="10.1016/j.jns.2004.08.012"),
                Paper(id="beir:2", title="Content-Based Citation Recommendation", submitted="2018-02-01"),
                Paper(id="BERT", title="BERT", submitted="2018-10-11"),
            ]
        )
    yield cat
    cat.close()


def _store(cat: Catalog, paper_id: str, refs: list[dict], sections: list[dict] | None = None) -> int:
    pk = cat.paper_pk(paper_id)
    assert pk is not None
    with cat.transaction():
        cat.store_fulltext(pk, {"sections": sections or [], "references": refs})
    return pk


def test_store_matches_at_once(catalog: Catalog) -> None:
    pk = _store(catalog, "2206.10883", REFS)
    rows = catalog.citations_of(pk)
    assert [(c.position, c.cited_id, c.match) for c in rows] == [
        (0, "2004.05150", "arxiv"),
        (1, "beir:1", "doi"),  # DOIs compare in lower case
        (2, "beir:2", "title"),
        (3, None, None),
        (4, None, None),
        (5, None, None),  # "BERT": too short to trust a title alone
        (6, None, None),  # its own arXiv id: no self-citation
    ]
    with catalog.transaction():
        counts = catalog.match_citations()
    assert counts == {"arxiv": 0, "doi": 0, "title": 0, "unmatched": 4, "total": 7}
    assert rows[1].doi == "10.1016/j.jns.2004.08.012"  # stored lower-case
    assert rows[4].external_key == "title:apapernobodyinthiscataloghaswrittenyet"
    assert catalog.stats()["citations"] == 7


def test_papers_ingested_later_get_matched_on_the_next_run(catalog: Catalog) -> None:
    pk = _store(catalog, "2206.10883", REFS)
    with catalog.transaction():
        catalog.match_citations()
        catalog.upsert_papers(
            [
                Paper(
                    id="2004.07180",
                    title="SPECTER: Document-level Representation Learning using Citation-informed Transformers",
                    submitted="2020-04-15",
                )
            ]
        )
        counts = catalog.match_citations()
    assert counts["title"] == 1
    specter = catalog.paper_pk("2004.07180")
    assert [(c.citing_id, c.position) for c in catalog.cited_by(specter)] == [("2206.10883", 3)]
    assert catalog.citations_of(pk)[3].match == "title"


def test_edges_cited_by_and_deleting_a_cited_paper(catalog: Catalog) -> None:
    a = _store(catalog, "2206.10883", REFS)
    b = _store(catalog, "beir:2", [REFS[0], _ref("Unknown again", title=REFS[4]["title"])])
    with catalog.transaction():
        catalog.match_citations()
    longformer = catalog.paper_pk("2004.05150")
    assert sorted(c.citing_pk for c in catalog.cited_by(longformer)) == [a, b]
    edges = set(catalog.iter_citation_edges())
    assert (a, longformer, None) in edges
    # the unmatched work both papers cite shares one external key: co-citation works without the paper
    key = "title:apapernobodyinthiscataloghaswrittenyet"
    assert (a, None, key) in edges and (b, None, key) in edges
    assert catalog.cited_by_external(key) == [a, b]
    with catalog.transaction():
        catalog.delete_paper("2004.05150")
    assert (a, None, "arxiv:2004.05150") in set(catalog.iter_citation_edges())


def test_store_replaces_previous_fulltext(catalog: Catalog) -> None:
    pk = _store(catalog, "2206.10883", REFS, [{"heading": "Intro", "text": "word " * 30}])
    _store(catalog, "2206.10883", REFS[:1], [{"heading": "Method", "text": "other " * 10}])
    assert len(catalog.citations_of(pk)) == 1
    assert [(p.section, p.position) for p in catalog.passages_of(pk)] == [("Method", 0)]
    assert catalog.count_citations() == 1


def test_passages_split_by_section_with_overlap(catalog: Catalog) -> None:
    words = [f"w{i}" for i in range(450)]
    sections = [
        {"heading": "1 Introduction", "text": " ".join(words)},
        {"heading": "2 Method", "text": "short."},
    ]
    pk = _store(catalog, "2206.10883", [], sections)
    passages = catalog.passages_of(pk)
    step = PASSAGE_WORDS - PASSAGE_OVERLAP
    assert [p.section for p in passages] == ["1 Introduction"] * 3 + ["2 Method"]
    assert passages[0].text.split() == words[:PASSAGE_WORDS]
    assert passages[1].text.split() == words[step : step + PASSAGE_WORDS]
    assert passages[2].text.split()[-1] == "w449"
    assert [p.pk for p in catalog.iter_passages(batch=2)] == [p.pk for p in passages]
    assert split_passages([{"heading": "Empty", "text": "  "}]) == []


def test_keys() -> None:
    # a hyphen lost where a line broke ("Content-" + "based") gives the same key
    assert title_key("Content-Based Citation Recommendation") == title_key("Contentbased citation recommendation")
    assert title_key("Scientiﬁc Documents: Les Misérables") == "scientific documents les miserables"
    assert external_key(_ref("x", arxiv_id="2004.05150", doi="10.1/x")) == "arxiv:2004.05150"
    assert external_key(_ref("x", doi="10.1/ABC")) == "doi:10.1/abc"
    assert external_key(_ref("Some raw text", title="Short")).startswith("raw:")


def test_matching_a_big_new_catalog_looks_citations_up(catalog: Catalog) -> None:
    """More new papers than unmatched citations: every unmatched citation is looked up again."""
    pk = _store(catalog, "2206.10883", REFS)
    with catalog.transaction():
        catalog.match_citations()
        catalog.upsert_papers(
            [Paper(id=f"filler:{i}", title=f"Filler paper number {i} about nothing") for i in range(10)]
            + [Paper(id="x:unknown", title="A Paper Nobody in This Catalog Has Written Yet", submitted="2001")]
        )
        counts = catalog.match_citations()
    assert counts["title"] == 1
    assert catalog.citations_of(pk)[4].cited_id == "x:unknown"


def test_fuzzy_title_tolerates_a_typo(catalog: Catalog) -> None:
    with catalog.transaction():
        catalog.upsert_papers([Paper(id="p:1", title="Unsupervised Cross-lingual Representation Learning at Scale")])
    pk = _store(
        catalog,
        "2206.10883",
        [_ref("XLM-R", title="Unsupervised Cross-lingual Representaton Learning at Scale")],
    )
    assert [(c.cited_id, c.match) for c in catalog.citations_of(pk)] == [("p:1", "title")]
    # a different paper with a similar-looking title does not match
    pk2 = _store(
        catalog,
        "beir:2",
        [_ref("x", title="Supervised Cross-lingual Representation Learning at Small Scale")],
    )
    assert catalog.citations_of(pk2)[0].cited_pk is None
