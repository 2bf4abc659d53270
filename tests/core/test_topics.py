"""Predicted categories: learned from the labelled papers, stored apart from the given ones, used by filters
only when asked, shown with their confidence in the CLI and the API."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from paperkg.catalog import open_catalog
from paperkg.records import Paper


@pytest.fixture
def home(small_home, tmp_path: Path):
    """The indexed 150-paper home plus unlabelled copies (as a BEIR corpus would bring) of five papers from
    its two largest categories."""
    from paperkg.index.build import update_indexes
    from paperkg.settings import load_settings

    shutil.copy2(small_home.home / "catalog.sqlite", tmp_path / "catalog.sqlite")
    for sub in ("index", "models"):
        if (small_home.home / sub).is_dir():
            shutil.copytree(small_home.home / sub, tmp_path / sub)
    settings = load_settings(tmp_path, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        papers = [p for _pk, _h, p in catalog.iter_papers()]
        big = [c for c, _n in Counter(p.categories[0] for p in papers).most_common(2)]
        originals = [p for p in papers if p.categories[0] == big[0]][:3] + [
            p for p in papers if p.categories[0] == big[1]
        ][:2]
        copies = [
            Paper(id=f"beir:{i}", title=p.title, abstract=p.abstract, source="beir") for i, p in enumerate(originals)
        ]
        with catalog.transaction():
            catalog.upsert_papers(copies)
        update_indexes(catalog, settings, progress=False)
    return settings, {f"beir:{i}": p.categories[0] for i, p in enumerate(originals)}


def test_predict_store_filter_and_show(home) -> None:
    from paperkg.topics import predict_topics

    home, originals = home
    with open_catalog(home.catalog_path) as catalog:
        report = predict_topics(catalog, home)
        assert report.predicted == 5 and report.labelled >= 100 and "logreg" in report.model
        for pid, primary in originals.items():
            pk = catalog.paper_pk(pid)
            preds = catalog.predictions_of([pk])[pk]
            assert [p.rank for p in preds] == [1, 2, 3]
            assert all(0 < p.confidence <= 1 for p in preds) and sum(p.confidence for p in preds) <= 1.0001
            assert preds[0].confidence >= preds[1].confidence >= preds[2].confidence
            assert primary in [p.category for p in preds], (pid, primary, preds)  # its twin's category
            assert catalog.get_paper(pid).categories == []  # given categories untouched
        # filters match predicted categories only when asked
        pid, primary = next(iter(originals.items()))
        pk = catalog.paper_pk(pid)
        top1 = catalog.predictions_of([pk])[pk][0].category
        assert pk not in catalog.pks_matching(category=top1)
        assert pk in catalog.pks_matching(category=top1, predicted=True)
        # nothing new: a second run predicts nothing; --refresh predicts again
        assert predict_topics(catalog, home).predicted == 0
        assert predict_topics(catalog, home, refresh=True).predicted == 5


def test_cli_and_api(home) -> None:
    from paperkg.cli.main import app

    home, _originals = home
    from typer.testing import CliRunner

    runner = CliRunner()
    res = runner.invoke(app, ["topics", "predict", "--json", "--home", str(home.home)])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["predicted"] == 5
    res = runner.invoke(app, ["topics", "show", "beir:0", "--json", "--home", str(home.home)])
    shown = json.loads(res.output)
    assert shown["categories"] == [] and len(shown["predicted"]) == 3 and shown["predicted"][0]["confidence"] > 0
    res = runner.invoke(app, ["topics", "show", "beir:0", "--home", str(home.home)])
    assert "given none; predicted" in res.output and "%" in res.output
    top1 = shown["predicted"][0]["category"]
    res = runner.invoke(
        app,
        [
            "search",
            "x",
            "--mode",
            "lexical",
            "-k",
            "200",
            "--category",
            top1,
            "--predicted",
            "--json",
            "--home",
            str(home.home),
        ],
    )
    assert res.exit_code == 0, res.output

    from fastapi.testclient import TestClient
    from paperkg.api.app import create_app

    with TestClient(create_app(home)) as client:
        body = client.get("/papers/beir:0/topics").json()
        assert body["predicted"][0] == {**body["predicted"][0], "rank": 1, "category": top1}
        title = client.get("/papers/beir:0").json()["title"]
        plain = client.get("/search", params={"q": title, "category": top1, "mode": "lexical", "k": 50}).json()
        assert "beir:0" not in [r["paper"]["id"] if "paper" in r else r["id"] for r in plain["results"]]
        withp = client.get(
            "/search", params={"q": title, "category": top1, "mode": "lexical", "k": 50, "predicted": True}
        ).json()
        assert "beir:0" in [r["paper"]["id"] if "paper" in r else r["id"] for r in withp["results"]]
