"""Learned fusion: features of every candidate source, a JSON linear model, explanations that name its shares."""

from __future__ import annotations

import json

import numpy as np
import pytest
from paperkg.errors import BadInput
from paperkg.graph.build import build_graph, load_graph
from paperkg.graph.entity_signals import entity_vectors
from paperkg.graph.ranker import MODEL_PATH, LinearRanker, load_ranker
from paperkg.graph.recommend import FusionConfig, recommend
from paperkg.graph.signals import FEATURES, TEXT_FEATURES, collect
from paperkg.graph.walk import WalkConfig


@pytest.fixture
def built(kg_catalog, kg_settings):
    build_graph(kg_catalog, kg_settings)
    return kg_catalog, kg_settings, load_graph(kg_settings)


def write_model(path, models: dict[str, dict[str, float]]) -> None:
    """A weights file in the shipped format: unit scale, zero mean, the given weight per feature."""
    spec = {
        name: {"features": list(w), "mean": [0.0] * len(w), "scale": [1.0] * len(w), "coef": list(w.values())}
        for name, w in models.items()
    }
    path.write_text(json.dumps({"models": spec}), encoding="utf-8")


def test_the_shipped_model_file_is_valid_when_there_is_one():
    if not MODEL_PATH.is_file():
        pytest.skip("no graph/related_model.json ships: `learned` falls back to the convex rule")
    data = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    assert set(data["models"]) >= {"default", "text"}
    assert set(load_ranker("text").features) <= set(TEXT_FEATURES)
    assert "graph" not in data["models"]  # graph-only requests rank by the walk (scripts/train_related.py)
    assert set(load_ranker("default").features) <= set(FEATURES)


def test_bad_weight_files_are_refused():
    with pytest.raises(BadInput, match="unknown features"):
        LinearRanker.from_dict("x", {"features": ["nope"], "mean": [0], "scale": [1], "coef": [1]})
    with pytest.raises(BadInput, match="one value per feature"):
        LinearRanker.from_dict("x", {"features": ["cos", "bm25"], "mean": [0], "scale": [1], "coef": [1, 2]})


def test_entity_features_weight_specific_shared_entities(built):
    catalog, settings, kg = built
    seed = "2101.00001"
    s = collect(
        catalog,
        settings,
        kg,
        None,
        None,
        [seed],
        [catalog.paper_pk(seed)],
        [],
        sources=("graph",),
        candidates=10,
        walk=WalkConfig(),
        negative_weight=0.5,
    )
    ids = {int(pk): kg.paper_ids[kg.paper_row(int(pk))] for pk in s.pks}
    ent = dict(zip(ids.values(), s.features["ent"].tolist(), strict=True))
    # the ViT paper shares ImageNet and image classification with the seed; the GNN paper shares less
    assert ent["2101.00006"] > 0 and ent["2101.00006"] >= max(v for k, v in ent.items() if k != "2101.00006")
    rows = entity_vectors(kg)
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)  # cosine profiles
    assert all(0.0 <= v <= 1.0 + 1e-6 for v in s.features["walk"])


def test_learned_model_ranks_and_explains_with_its_own_features(built, tmp_path):
    catalog, settings, kg = built
    path = tmp_path / "model.json"
    write_model(path, {"default": {"cos": 1.0, "ent": 1.0, "walk": 0.5}, "graph": {"walk": 1.0}})
    recs = recommend(catalog, settings, ["2101.00001"], k=3, kg=kg, config=FusionConfig(model_path=path))
    top = recs[0].explanation
    assert recs[0].id == "2101.00006"
    assert top.ranking == "graph"  # no text index in this home: the graph-only model is used
    assert set(top.signals) == {"walk"} and top.signals["walk"] == pytest.approx(recs[0].score, abs=1e-3)
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


def test_a_text_only_model_never_scores_with_the_graph_but_explains_with_it(built, tmp_path):
    from test_recommend import FakeVectors

    catalog, settings, kg = built
    pk = {p: catalog.paper_pk(p) for p in kg.paper_ids}
    store = FakeVectors({pk[p]: np.array([1.0, i / 10, 0.0]) for i, p in enumerate(kg.paper_ids)})
    path = tmp_path / "model.json"
    write_model(path, {"default": {"cos": 1.0}, "text": {"cos": 1.0}})
    cfg = FusionConfig(model_path=path)
    recs = recommend(catalog, settings, ["2101.00001"], k=3, store=store, config=cfg)
    assert recs[0].id == "2101.00002"  # nearest vector (index 1)
    ex = recs[0].explanation
    assert ex.ranking == "default" and set(ex.signals) == {"cos"}
    assert ex.graph_score == 0.0  # no walk ran: the ranking did not use the graph, and says so
    assert ex.shared_entities  # both are CNN papers: the explanation still reads the graph


def test_a_home_without_text_indexes_ranks_by_the_graph_model_or_else_by_the_walk(built, tmp_path):
    """A text-only default in a home with a graph but no text index: the graph-only model ranks when the
    weights file has one, else the walk (convex with no text); the explanation names what ranked."""
    catalog, settings, kg = built
    with_graph, without = tmp_path / "with-graph.json", tmp_path / "text-only.json"
    write_model(with_graph, {"default": {"cos": 1.0}, "text": {"cos": 1.0}, "graph": {"walk": 1.0}})
    write_model(without, {"default": {"cos": 1.0}, "text": {"cos": 1.0}})
    recs = recommend(catalog, settings, ["2101.00001"], k=3, kg=kg, config=FusionConfig(model_path=with_graph))
    top = recs[0].explanation
    assert recs[0].id == "2101.00006" and top.ranking == "graph" and set(top.signals) == {"walk"}
    recs = recommend(catalog, settings, ["2101.00001"], k=3, kg=kg, config=FusionConfig(model_path=without))
    top = recs[0].explanation
    assert recs[0].id == "2101.00006" and top.ranking == "convex" and top.graph_score > 0
