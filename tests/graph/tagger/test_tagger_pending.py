"""Tagging the catalog: new and changed papers only, atomic replacement, counts in stats."""

from __future__ import annotations

import pytest
from paperkg.catalog import open_catalog
from paperkg.graph.tagger import TagSummary, tag_pending
from paperkg.records import Paper

PAPERS = [
    Paper(
        id="2301.00001",
        title="Support vector machines for text classification",
        abstract="We apply support vector machines to text classification and evaluate them with F1 score.",
        versions=["v1"],
    ),
    Paper(
        id="2301.00002",
        title="Neural machine translation",
        abstract="We propose an attention-based encoder-decoder model for machine translation.",
        versions=["v1"],
    ),
    Paper(id="2301.00003", title="Speech recognition", abstract="", versions=["v1"]),
]


@pytest.fixture()
def catalog(tmp_path):
    cat = open_catalog(tmp_path / "catalog.sqlite")
    with cat.transaction():
        cat.upsert_papers(PAPERS)
    yield cat
    cat.close()


def test_tags_all_then_nothing_then_only_changed(catalog):
    first = tag_pending(catalog, progress=False)
    assert first.papers == 3
    assert first.mentions > 0 and first.mentions == catalog.stats()["mentions"]
    assert first.relations == catalog.stats()["relations"]
    snapshot = {pk: catalog.mentions_of(pk) for pk in range(1, 4)}

    assert tag_pending(catalog, progress=False) == TagSummary(papers=0, mentions=0, relations=0, failed=0)
    assert catalog.stats()["mentions"] == first.mentions

    changed = Paper(
        id="2301.00002",
        title="Neural machine translation",
        abstract="We propose a convolutional model for machine translation.",
        versions=["v1", "v2"],
    )
    with catalog.transaction():
        catalog.upsert_papers([changed])
    second = tag_pending(catalog, progress=False)
    assert second.papers == 1
    pk = catalog.paper_pk("2301.00002")
    assert catalog.tag_state_of(pk)[0] == catalog.hashes([pk])[pk]
    # the other papers' rows are untouched, the changed one was replaced (no duplicates)
    for other in (catalog.paper_pk("2301.00001"), catalog.paper_pk("2301.00003")):
        assert catalog.mentions_of(other) == snapshot[other]
    texts = [m.text for m in catalog.mentions_of(pk)]
    assert len(texts) == len(set((m.start, m.end) for m in catalog.mentions_of(pk)))


def test_offsets_point_into_paper_text(catalog):
    tag_pending(catalog, progress=False)
    for paper in PAPERS:
        pk = catalog.paper_pk(paper.id)
        mentions = catalog.mentions_of(pk)
        for m in mentions:
            assert paper.text[m.start : m.end] == m.text
        by_pk = {m.pk for m in mentions}
        for r in catalog.relations_of(pk):
            assert r.head in by_pk and r.tail in by_pk and r.head != r.tail
    svm = catalog.mentions_of(catalog.paper_pk("2301.00001"))
    assert any(m.text == "text classification" and m.type == "Task" for m in svm)


def test_deleting_a_paper_drops_its_annotations(catalog):
    tag_pending(catalog, progress=False)
    with catalog.transaction():
        catalog.delete_paper("2301.00001")
    left = sum(len(catalog.mentions_of(pk)) for pk in (2, 3))
    assert catalog.stats()["mentions"] == left
