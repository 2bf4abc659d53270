"""`paperkg eval related` on a real BEIR-layout relatedness fixture whose ids are DOIs (with a slash)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

FOLDER = Path(__file__).resolve().parents[1] / "fixtures" / "related-mini"
SEED = "10.48550/arXiv.2512.14427"  # cs.CL; its relevant papers are the other cs.CL records


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    """The fixture through the full pipeline (tagger on) and every ranking, once for the module."""
    from paperkg.graph.evaluate import ABLATIONS, RANKINGS, evaluate_related
    from paperkg.settings import load_settings

    home = tmp_path_factory.mktemp("related-home")
    settings = load_settings(home)
    result = evaluate_related(FOLDER, settings, home=home, rankings={**RANKINGS, **ABLATIONS}, rrf=True, progress=False)
    return home, result


def test_every_ranking_is_scored_and_the_seed_never_ranks_itself(evaluated):
    _home, result = evaluated
    assert set(result.metrics) == {"default", "vector", "lexical", "graph", "text", "convex", "rrf"}
    assert result.seeds == 12 and not result.missing
    for name, metrics in result.metrics.items():
        assert set(metrics) == {"ndcg@10", "recall@100", "mrr@10"}
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
        for seed, docs in result.runs[name].items():
            assert seed not in docs
    # four unrelated fields (language, robots, particles, astronomy): text similarity separates them
    for name in ("default", "vector", "lexical", "text", "rrf"):
        assert result.metrics[name]["ndcg@10"] > 0.6, name
    assert result.graph["entities"] > 0  # the tagger ran


def test_cli_json_reuses_the_home_and_prints_the_four_rankings(evaluated):
    from paperkg.cli.main import app

    home, result = evaluated
    out = CliRunner().invoke(app, ["eval", "related", str(FOLDER), "--home", str(home), "--json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert set(data) == {"default", "vector", "lexical", "graph"}
    assert data["default"] == pytest.approx(result.metrics["default"])  # same home, same ranking


def test_cli_rejects_a_folder_without_qrels(tmp_path):
    from paperkg.cli.main import app

    shutil.copy(FOLDER / "corpus.jsonl", tmp_path / "corpus.jsonl")
    out = CliRunner().invoke(app, ["eval", "related", str(tmp_path), "--home", str(tmp_path / "h")])
    assert out.exit_code == 1 and "qrels/test.tsv" in out.output


def test_doi_ids_work_in_the_cli_and_the_api(evaluated):
    from paperkg.api.app import create_app
    from paperkg.cli.main import app
    from paperkg.settings import load_settings

    home, _result = evaluated
    out = CliRunner().invoke(app, ["related", SEED, "--home", str(home), "-k", "3", "--json"])
    assert out.exit_code == 0, out.output
    recs = json.loads(out.output)
    assert len(recs) == 3 and all(r["id"].startswith("10.48550/arXiv.") and r["id"] != SEED for r in recs)
    with TestClient(create_app(load_settings(home))) as client:
        for path in (f"/papers/{SEED}", f"/papers/{quote(SEED, safe='')}"):  # raw and URL-encoded slash
            assert client.get(path).json()["id"] == SEED
        related = client.get(f"/papers/{quote(SEED, safe='')}/related", params={"k": 3}).json()
        assert related["id"] == SEED and [r["id"] for r in related["results"]] == [r["id"] for r in recs]
        top = related["results"][0]["explanation"]
        assert top["ranking"] and top["vector_similarity"] is not None
        similar = client.get(f"/papers/{SEED}/similar", params={"k": 3}).json()
        assert similar["results"] and SEED not in [h["id"] for h in similar["results"]]
        rec = client.post("/recommend", json={"positive": [SEED], "negative": [recs[0]["id"]], "k": 3}).json()
        assert recs[0]["id"] not in [r["id"] for r in rec["results"]]


def test_train_script_fits_out_of_fold_and_the_product_reads_its_weights(evaluated, tmp_path):
    """scripts/train_related.py on the fixture: grouped CV figures, a JSON model that `related` ranks with."""
    import importlib.util

    from paperkg.catalog import open_catalog
    from paperkg.graph.recommend import FusionConfig, related
    from paperkg.graph.signals import GRAPH_FEATURES, MODEL_FEATURES, TEXT_FEATURES
    from paperkg.settings import load_settings

    home, _result = evaluated
    spec = importlib.util.spec_from_file_location("train_related", FOLDER.parents[2] / "scripts" / "train_related.py")
    train = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(train)
    out = tmp_path / "model.json"
    report = train.main([str(FOLDER), "--home", str(home), "--out", str(out), "--folds", "2"])
    # graph-only is scored out of fold but not shipped (graph-only requests rank by the walk)
    assert set(report["models"]) == {"default", "text"} and isinstance(report["default_uses_graph"], bool)
    assert set(report["out_of_fold"]) == {"default", "text", "graph"}
    assert report["models"]["text"]["features"] == list(MODEL_FEATURES["text"])
    assert set(MODEL_FEATURES["text"]) <= set(TEXT_FEATURES) and set(MODEL_FEATURES["graph"]) <= set(GRAPH_FEATURES)
    for metrics in report["out_of_fold"].values():
        assert all(0.0 <= v <= 1.0 for v in metrics.values())
    assert report["out_of_fold"]["text"]["ndcg@10"] > 0.6  # four unrelated fields
    settings = load_settings(home)
    with open_catalog(settings.catalog_path) as catalog:
        recs = related(catalog, settings, SEED, 5, FusionConfig(model_path=out))
    assert len(recs) == 5 and recs[0].explanation.ranking == "default"
    assert set(recs[0].explanation.signals) == set(report["models"]["default"]["features"])
    assert [r.score for r in recs] == sorted((r.score for r in recs), reverse=True)


def test_standardised_and_feedback_features_are_what_they_say(evaluated):
    """cos_z / bm25_z: zero mean, unit spread over the request's candidates; cos_prf: cosine to the mean vector
    of the five best candidates by reciprocal-rank fusion (k = 60) of cosine and BM25, recomputed here."""
    from paperkg.catalog import open_catalog
    from paperkg.graph.recommend import vector_store
    from paperkg.graph.signals import collect, lexical_index
    from paperkg.graph.walk import WalkConfig
    from paperkg.settings import load_settings

    home, _result = evaluated
    settings = load_settings(home)
    store, lex = vector_store(settings), lexical_index(settings)
    with open_catalog(settings.catalog_path) as catalog:
        pk = catalog.paper_pk(SEED)
        s = collect(catalog, settings, None, store, lex, [SEED], [pk], [], sources=("vector", "lexical"),
                    candidates=20, walk=WalkConfig(), negative_weight=0.5)  # fmt: skip
    f = s.features
    assert len(s.pks) >= 10 and pk not in s.pks.tolist()
    for name in ("cos", "bm25"):
        assert abs(float(f[f"{name}_z"].mean())) < 1e-4 and float(f[f"{name}_z"].std()) == pytest.approx(1.0, 1e-3)
        assert np.array_equal(np.argsort(-f[f"{name}_z"], kind="stable"), np.argsort(-f[name], kind="stable"))

    def rrf(v):
        ranks = np.empty(len(v))
        ranks[np.argsort(-v, kind="stable")] = np.arange(1, len(v) + 1)
        return np.where(v > 0, 1.0 / (60 + ranks), 0.0)

    vectors = np.stack([store.vector(int(p)) for p in s.pks])
    top = np.argsort(-(rrf(f["cos"]) + rrf(f["bm25"])), kind="stable")[:5]
    assert np.allclose(f["cos_prf"], vectors @ vectors[top].mean(axis=0), atol=1e-5)


def test_more_like_this_scores_are_bm25s_own_plus_the_bigram_columns(evaluated, monkeypatch):
    """mlt_scores' sparse product gives bm25s' get_scores_from_ids over the words, plus BIGRAM_WEIGHT x the
    text's bigram columns, each text scaled by its best match."""
    from paperkg.catalog import open_catalog
    from paperkg.graph import signals
    from paperkg.index.lexical import tokenize
    from paperkg.settings import load_settings

    home, _result = evaluated
    settings = load_settings(home)
    lex = signals.lexical_index(settings)
    with open_catalog(settings.catalog_path) as catalog:
        texts = [p.text for p in catalog.papers_by_pk([catalog.paper_pk(SEED), 1, 2]).values()]
    words_only, with_bigrams = [], []
    bigram_matrix = lex.bigrams.matrix(lex.count).toarray()
    for text in texts:
        tokens = tokenize([text])
        words = [{i: w for w, i in tokens.vocab.items()}[i] for i in tokens.ids[0]]
        s = np.asarray(lex.retriever.get_scores_from_ids(lex.retriever.get_tokens_ids(words)))
        words_only.append(s / s.max())
        cols, counts = lex.bigram_query(words)
        assert len(cols) > 0  # these related papers share phrases
        b = s + signals.BIGRAM_WEIGHT * bigram_matrix[:, cols] @ counts
        with_bigrams.append(b / b.max())
    assert np.allclose(signals.mlt_scores(lex, texts), np.mean(with_bigrams, axis=0), atol=1e-5)
    assert np.allclose(signals.mlt_scores(lex, texts[:1]), with_bigrams[0], atol=1e-5)
    monkeypatch.setattr(signals, "BIGRAM_WEIGHT", 0.0)
    assert np.allclose(signals.mlt_scores(lex, texts), np.mean(words_only, axis=0), atol=1e-5)
