"""`paperkg eval related` on a real BEIR-layout relatedness fixture whose ids are DOIs (with a slash)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import quote

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
    result = evaluate_related(FOLDER, settings, home=home, rankings={**RANKINGS, **ABLATIONS}, rrf=True,
                              progress=False)
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
        assert top["ranking"] and top["vector_similarity"] is not None and top["lexical_score"] is not None
        similar = client.get(f"/papers/{SEED}/similar", params={"k": 3}).json()
        assert similar["results"] and SEED not in [h["id"] for h in similar["results"]]
        rec = client.post("/recommend", json={"positive": [SEED], "negative": [recs[0]["id"]], "k": 3}).json()
        assert recs[0]["id"] not in [r["id"] for r in rec["results"]]
