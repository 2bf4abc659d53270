"""Recommendations: graph walk, fusion with vectors, negatives, explanations, and the graph-only fallback."""

from __future__ import annotations

import numpy as np
import pytest
from paperkg.errors import BadInput, PaperNotFound
from paperkg.graph.build import build_graph, load_graph
from paperkg.graph.recommend import NO_INDEX_NOTE, FusionConfig, recommend, related


class FakeVectors:
    """The VectorStore contract over hand-made unit vectors keyed by paper pk."""

    def __init__(self, vectors: dict[int, np.ndarray]) -> None:
        self.vectors = {pk: (v / np.linalg.norm(v)).astype(np.float32) for pk, v in vectors.items()}

    def vector(self, pk: int):
        return self.vectors.get(pk)

    def search(self, vec, k, exclude=None):
        exclude = exclude or set()
        scored = sorted(
            ((pk, float(v @ vec)) for pk, v in self.vectors.items() if pk not in exclude), key=lambda t: -t[1]
        )
        return scored[:k]


@pytest.fixture
def built(kg_catalog, kg_settings):
    build_graph(kg_catalog, kg_settings)
    return kg_catalog, kg_settings, load_graph(kg_settings)


def test_related_graph_only_explains_itself(built):
    catalog, settings, kg = built
    recs = related(catalog, settings, "2101.00001", k=5)
    ids = [r.id for r in recs]
    # the ViT paper shares entities, an author and cites the seed; the astrophysics paper is unreachable
    assert ids[0] == "2101.00006" and "2101.00007" not in ids and "2101.00001" not in ids
    top = recs[0].explanation
    assert top.note == NO_INDEX_NOTE and top.vector_similarity is None and top.seed == "2101.00001"
    assert {e.id for e in top.shared_entities} >= {"imagenet", "image classification"}
    assert {e.type for e in top.shared_entities} >= {"Material", "Task"}
    assert top.shared_authors == ["Alice Smith"]
    assert "2101.00006 cites the seed" in top.citations
    scores = [r.score for r in recs]
    assert scores == sorted(scores, reverse=True)


def test_rarer_shared_entities_rank_first(built):
    _catalog, _settings, kg = built
    from paperkg.graph.recommend import shared_entities

    a, b = kg.paper_row_by_id("2101.00001"), kg.paper_row_by_id("2101.00006")
    weights = [e.weight for e in shared_entities(kg, a, b)]
    assert weights == sorted(weights, reverse=True)


def test_relation_path_when_no_entity_is_shared(built):
    _catalog, _settings, kg = built
    from paperkg.graph.recommend import relation_path

    # paper 3 mentions LSTM; paper 4 mentions "LSTM encoders" and attention -PART_OF-> LSTM encoders
    a, b = kg.paper_row_by_id("2101.00004"), kg.paper_row_by_id("2101.00001")
    assert relation_path(kg, a, b) == []
    path = relation_path(kg, kg.paper_row_by_id("2101.00005"), kg.paper_row_by_id("2101.00006"))
    assert path[0] == "2101.00005" and path[-1] == "2101.00006" and "-MENTIONS->" in path


def test_fusion_with_vectors_and_negatives(built):
    catalog, settings, kg = built
    pk = {p: catalog.paper_pk(p) for p in kg.paper_ids}
    store = FakeVectors(
        {
            pk["2101.00001"]: np.array([1.0, 0.0, 0.0]),
            pk["2101.00002"]: np.array([0.9, 0.1, 0.0]),
            pk["2101.00003"]: np.array([0.0, 1.0, 0.0]),
            pk["2101.00004"]: np.array([0.1, 0.9, 0.0]),
            pk["2101.00005"]: np.array([0.5, 0.0, 0.5]),
            pk["2101.00006"]: np.array([0.8, 0.0, 0.2]),
            pk["2101.00007"]: np.array([0.95, 0.0, 0.05]),  # close in vector space, unrelated in the graph
        }
    )
    vec_only = recommend(
        catalog, settings, ["2101.00001"], k=3, kg=kg, store=store, config=FusionConfig(ranking="vector")
    )
    assert vec_only[0].id == "2101.00007" and vec_only[0].explanation.vector_similarity > 0.9
    convex = FusionConfig(ranking="convex")  # the fixed rule: 0.8 x min-max cosine + 0.2 x walk / max walk
    fused = recommend(catalog, settings, ["2101.00001"], k=3, kg=kg, store=store, config=convex)
    assert fused[0].id == "2101.00006" and fused[0].explanation.note is None
    assert fused[0].explanation.vector_similarity is not None and fused[0].explanation.graph_score > 0

    two = recommend(catalog, settings, ["2101.00001", "2101.00003"], k=6, kg=kg, store=store, config=convex)
    by_id = {r.id: r.explanation for r in two}
    assert by_id["2101.00004"].seed == "2101.00003" and by_id["2101.00006"].seed == "2101.00001"

    steered = recommend(catalog, settings, ["2101.00001"], ["2101.00006"], k=6, kg=kg, store=store, config=convex)
    assert "2101.00006" not in [r.id for r in steered]
    base = {r.id: r.score for r in fused}
    after = {r.id: r.score for r in steered}
    assert after.get("2101.00005", 0) < base.get("2101.00005", 1)  # it shares the ViT paper's references


def test_a_cosine_of_zero_is_a_similarity_not_a_missing_one(built):
    catalog, settings, kg = built
    pk = {p: catalog.paper_pk(p) for p in kg.paper_ids}
    store = FakeVectors(
        {
            pk["2101.00001"]: np.array([1.0, 0.0, 0.0]),
            pk["2101.00002"]: np.array([0.6, 0.8, 0.0]),
            pk["2101.00003"]: np.array([0.0, 1.0, 0.0]),  # orthogonal to the seed: cosine exactly 0.0
        }
    )
    for ranking in ("vector", "convex"):
        recs = recommend(catalog, settings, ["2101.00001"], k=6, kg=kg, store=store, config=FusionConfig(ranking))
        by_id = {r.id: r.explanation for r in recs}
        assert by_id["2101.00003"].vector_similarity == 0.0, ranking
        assert by_id["2101.00002"].vector_similarity == pytest.approx(0.6, abs=1e-4)
        if ranking == "vector":
            assert [r.id for r in recs][:2] == ["2101.00002", "2101.00003"]


def test_unknown_ids_and_bad_input(built):
    catalog, settings, _kg = built
    with pytest.raises(PaperNotFound):
        related(catalog, settings, "9999.99999")
    with pytest.raises(PaperNotFound):
        recommend(catalog, settings, ["2101.00001"], ["nope"])
    with pytest.raises(BadInput):
        recommend(catalog, settings, [])


def test_related_with_the_real_dense_index(small_home, tmp_path):
    """Fusion through the index's VectorStore on a copy of the session's ingested and indexed home."""
    import shutil

    from paperkg.catalog import open_catalog
    from paperkg.settings import load_settings

    home = tmp_path / "home"
    shutil.copytree(small_home.home, home)
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        build_graph(catalog, settings)  # no tagger: only authors (and citations) link papers
        seed = next(iter(catalog.iter_papers()))[2].id
        recs = related(catalog, settings, seed, k=5)
    assert len(recs) == 5 and seed not in [r.id for r in recs]
    assert all(r.explanation.vector_similarity is not None and r.explanation.note is None for r in recs)
    assert recs[0].explanation.vector_similarity >= 0.3


def test_citation_explanations_name_the_shared_references(built):
    """Bibliographic coupling: two papers citing the same arXiv paper and the same DOI say so, both ways."""
    catalog, settings, kg = built
    from paperkg.graph.recommend import citation_links

    a, b = kg.paper_row_by_id("2101.00005"), kg.paper_row_by_id("2101.00006")
    links = citation_links(kg, a, b)
    assert "both cite 2101.00001" in links and "both cite doi:10.1000/shared-ref" in links
    assert sorted(citation_links(kg, b, a)) == sorted(links)
    assert not any("cites the seed" in s or s.startswith("the seed cites") for s in links)
    # co-citation: the seed is cited by both 00005 and 00006, the astrophysics paper by nobody
    seed, astro = kg.paper_row_by_id("2101.00001"), kg.paper_row_by_id("2101.00007")
    assert citation_links(kg, seed, astro) == []
    recs = {r.id: r for r in related(catalog, settings, "2101.00005", k=5)}
    assert "both cite 2101.00001" in recs["2101.00006"].explanation.citations
