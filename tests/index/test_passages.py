"""Passage index: incremental updates by passage key and text, best passages, snippets, fusion with papers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from paperkg.catalog import Catalog, open_catalog
from paperkg.index.encoder import load_encoder, spec_from_settings
from paperkg.index.fusion import Fused
from paperkg.index.passages import (
    PASSAGE_WEIGHT,
    FullText,
    PassageIndex,
    fuse_passages,
    passage_input,
    passages_root,
    snippet,
    update_passages,
)
from paperkg.index.search import Searcher
from paperkg.records import Paper
from paperkg.settings import Settings, load_settings

SECTIONS_A = [
    {"heading": "1 Introduction", "text": "We study protein folding with molecular dynamics simulations."},
    {"heading": "2 Method", "text": "A graph neural network predicts contact maps from sequences."},
]
SECTIONS_B = [
    {"heading": "Results", "text": "Ultra light boson dark matter leaves imprints on the CMB."},
]


def _store(cat: Catalog, paper_id: str, sections: list[dict]) -> None:
    pk = cat.paper_pk(paper_id)
    assert pk is not None
    with cat.transaction():
        cat.store_fulltext(pk, {"sections": sections, "references": []})


@pytest.fixture
def home(tmp_path: Path) -> tuple[Settings, Catalog]:
    settings = load_settings(tmp_path, tagger=False)
    cat = open_catalog(settings.catalog_path)
    with cat.transaction():
        cat.upsert_papers([Paper(id=x, title=f"Paper {x}") for x in "abc"])
    yield settings, cat
    cat.close()


def _embed(settings: Settings, text: str) -> np.ndarray:
    return load_encoder(spec_from_settings(settings)).encode([text])[0]


def _indexed(settings: Settings) -> PassageIndex:
    return PassageIndex.load(passages_root(settings))


def _catalog_keys(cat: Catalog) -> set[tuple[int, int]]:
    return {(p.pk, p.paper_pk) for p in cat.iter_passages()}


def test_no_passages_no_index(home: tuple[Settings, Catalog]) -> None:
    settings, cat = home
    summary = update_passages(cat, settings, progress=False)
    assert summary.total == 0 and summary.embedded == 0
    assert not passages_root(settings).exists()
    assert FullText(settings, cat).paper_scores(np.ones(384, np.float32), 10) == []


def test_incremental_by_passage_key_and_text(home: tuple[Settings, Catalog]) -> None:
    settings, cat = home
    _store(cat, "a", SECTIONS_A)
    _store(cat, "b", SECTIONS_B)
    first = update_passages(cat, settings, progress=False)
    assert (first.embedded, first.total, first.papers) == (3, 3, 2)
    index = _indexed(settings)
    assert {(int(p), int(q)) for p, q, _ in index.owners} == _catalog_keys(cat)
    assert index.vectors.manifest["count"] == 3

    assert update_passages(cat, settings, progress=False).embedded == 0  # nothing changed

    # B holds the highest pks: re-storing it with new text reuses them (SQLite rowids); the text check sees it
    old_b = [p.pk for p in cat.passages_of(cat.paper_pk("b"))]
    lensing = "Gravitational lensing constrains the halo mass profile."
    _store(cat, "b", [{"heading": "Results", "text": lensing}])
    assert [p.pk for p in cat.passages_of(cat.paper_pk("b"))] == old_b
    again = update_passages(cat, settings, progress=False)
    assert (again.embedded, again.removed, again.total) == (1, 0, 3)

    # a paper deleted from the catalog takes its passages out of the index
    with cat.transaction():
        cat.delete_paper("a")
    gone = update_passages(cat, settings, progress=False)
    assert (gone.embedded, gone.removed, gone.total, gone.papers) == (0, 2, 1, 1)
    assert {(int(p), int(q)) for p, q, _ in _indexed(settings).owners} == _catalog_keys(cat)

    # the stored vector is the new text's: the lensing query finds B's passage
    full = FullText(settings, cat)
    q = _embed(settings, "gravitational lensing of dark matter halos")
    best = full.best_passages(q, [cat.paper_pk("b")], "gravitational lensing")
    assert best[cat.paper_pk("b")].snippet.startswith("Gravitational lensing")


def test_best_passage_and_paper_scores(home: tuple[Settings, Catalog]) -> None:
    settings, cat = home
    _store(cat, "a", SECTIONS_A)
    _store(cat, "b", SECTIONS_B)
    update_passages(cat, settings, progress=False)
    full = FullText(settings, cat)
    q = _embed(settings, "neural network predicting protein contact maps")
    a, b, c = (cat.paper_pk(x) for x in "abc")
    scores = full.paper_scores(q, 10)
    assert [pk for pk, _ in scores] == [a, b]  # one entry per paper, best first; C has no passages
    best = full.best_passages(q, [a, b, c], "contact maps")
    assert set(best) == {a, b}
    assert best[a].section == "2 Method" and best[a].position == 1
    assert best[a].score == pytest.approx(scores[0][1], abs=1e-5)
    assert full.paper_scores(q, 10, allowed={b}) == [(b, pytest.approx(best[b].score, abs=1e-5))]


def test_passage_input_carries_the_heading() -> None:
    assert passage_input("2 Method", "text") == "2 Method. text"
    assert passage_input("", "text") == "text"


def test_snippet_windows_on_query_words() -> None:
    text = " ".join(f"Sentence {i} is filler about nothing." for i in range(40))
    text += " The font size and space width of each token are features. " + text
    out = snippet(text, "font size space width", width=120)
    assert "font size" in out and "space width" in out
    assert len(out) <= 120 + 4 and out.startswith("… ") and out.endswith(" …")
    assert snippet("short passage", "anything") == "short passage"
    assert snippet(text, "zzz", width=50).startswith("Sentence 0")  # no query word: the start


def test_fuse_passages_adds_a_third_signal() -> None:
    ranked = [Fused(1, 1.0, parts={"dense": 0.5, "lexical": 0.5}), Fused(2, 0.4, parts={"dense": 0.4})]
    out = fuse_passages(ranked, [(3, 0.9), (2, 0.5), (1, 0.1)], fusion="convex")
    by_pk = {f.pk: f for f in out}
    assert by_pk[3].parts == {"passage": PASSAGE_WEIGHT}  # found only through its text: joins the ranking
    assert by_pk[1].parts["passage"] == 0.0 and by_pk[1].score == 1.0
    assert by_pk[2].score == pytest.approx(0.4 + PASSAGE_WEIGHT * 0.5)
    assert [f.score for f in out] == sorted((f.score for f in out), reverse=True)
    rrf = fuse_passages([Fused(1, 0.0)], [(1, 0.2), (4, 0.1)], fusion="rrf", rrf_k=60)
    assert {f.pk: f.parts["passage"] for f in rrf} == {1: 1 / 61, 4: 1 / 62}
    assert fuse_passages(ranked, [], fusion="convex") is ranked
    heavy = fuse_passages([Fused(1, 0.0)], [(1, 0.9), (2, 0.1)], fusion="convex", weight=0.8)
    assert {f.pk: f.parts["passage"] for f in heavy} == {1: 0.8, 2: 0.0}


def test_search_without_passage_index_is_unchanged(small_home: Settings) -> None:
    with open_catalog(small_home.catalog_path) as cat:
        searcher = Searcher(small_home, cat)
        plain = searcher.search("diphoton production at the Tevatron", k=5)
        with_flag = searcher.search("diphoton production at the Tevatron", k=5, passages=True)
    assert [h.paper.id for h in with_flag] == [h.paper.id for h in plain]
    assert all(h.passage is None and "passage" not in h.to_dict() for h in with_flag)
