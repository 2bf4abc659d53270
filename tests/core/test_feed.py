"""The feed of a collection: ranked new papers, explained, never the collection's own or dismissed papers, and
changing when papers are added or dismissed; stable markdown, HTML and JSON."""

from __future__ import annotations

import json
import shutil

import pytest
from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.errors import BadInput
from paperkg.feed import Feed, FeedItem, build_feed, render
from paperkg.settings import load_settings
from typer.testing import CliRunner

SINCE = "2000-01-01"  # every paper of the small home was added today: all are new


@pytest.fixture(scope="module")
def feed_home(small_home, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the small home (catalog, indexes, graph) holding collection "physics"."""
    home = tmp_path_factory.mktemp("feedhome")
    shutil.copy2(small_home.catalog_path, home / "catalog.sqlite")
    for sub in ("index", "graph", "models"):
        if (small_home.home / sub).is_dir():
            shutil.copytree(small_home.home / sub, home / sub)
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as cat:
        ids = [p.id for _pk, _h, p in cat.iter_papers()]
        with cat.transaction():
            cat.create_collection("physics")
            cat.set_collection_state("physics", ids[:3], "member")
    return settings, ids


def test_feed_ranks_new_papers_and_changes_with_the_collection(feed_home) -> None:
    settings, ids = feed_home
    with open_catalog(settings.catalog_path) as cat:
        first = build_feed(cat, settings, "physics", since=SINCE, k=10)
        assert first.collection == "physics" and first.seeds == 3 and first.candidates == len(ids) - 3
        got = [r.id for r in first.results]
        assert len(got) == 10 and not set(got) & set(ids[:3])
        assert [r.score for r in first.results] == sorted((r.score for r in first.results), reverse=True)
        top = first.results[0]
        assert top.explanation["seed"] in ids[:3] and top.why.startswith("close to")
        assert top.url and top.url.startswith("https://arxiv.org/abs/")
        assert build_feed(cat, settings, "physics", since=SINCE, k=10).to_dict() == first.to_dict()  # stable

        # dismissing the top paper: gone from the feed, which is ranked again with it as a negative seed
        with cat.transaction():
            cat.set_collection_state("physics", [top.id], "dismissed")
        second = build_feed(cat, settings, "physics", since=SINCE, k=10)
        assert top.id not in [r.id for r in second.results] and second.dismissed == 1
        assert [r.id for r in second.results] != got[1:] or [r.score for r in second.results] != [
            r.score for r in first.results[1:]
        ]

        # adding a paper: it leaves the feed and steers it
        added = second.results[0].id
        with cat.transaction():
            cat.set_collection_state("physics", [added], "member")
        third = build_feed(cat, settings, "physics", since=SINCE, k=10)
        assert third.seeds == 4 and added not in [r.id for r in third.results]
        assert [(r.id, r.score) for r in third.results] != [(r.id, r.score) for r in second.results]

        # published since 2015: only papers first published from then on
        recent = build_feed(cat, settings, "physics", since="2015-01-01", by="published", k=50)
        assert recent.results and all((r.submitted or "") >= "2015-01-01" for r in recent.results)
        assert recent.candidates < first.candidates
        with cat.transaction():
            cat.create_collection("empty")
        with pytest.raises(BadInput, match="no papers"):
            build_feed(cat, settings, "empty", since=SINCE)
        with pytest.raises(BadInput, match="YYYY-MM-DD"):
            build_feed(cat, settings, "physics", since="last week")


def test_cli_feed_formats(feed_home) -> None:
    settings, ids = feed_home
    runner = CliRunner()
    args = ["feed", "physics", "--since", SINCE, "-k", "3", "--home", str(settings.home)]
    out = runner.invoke(app, [*args, "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert data["collection"] == "physics" and len(data["results"]) == 3
    assert {"id", "title", "score", "explanation"} <= set(data["results"][0])
    md = runner.invoke(app, [*args, "--format", "markdown"]).stdout
    assert md.startswith("# paperkg feed: physics") and f"(https://arxiv.org/abs/{data['results'][0]['id']})" in md
    assert runner.invoke(app, [*args, "--format", "markdown"]).stdout == md  # same catalog, same bytes
    html = runner.invoke(app, [*args, "--format", "html"]).stdout
    assert html.startswith("<!doctype html>") and html.rstrip().endswith("</html>")
    assert runner.invoke(app, [*args, "--format", "pdf"]).exit_code == 2
    assert runner.invoke(app, ["feed", "nope", "--home", str(settings.home)]).exit_code == 2
    nothing = runner.invoke(app, ["feed", "physics", "--since", "2999-01-01", "--home", str(settings.home)])
    assert nothing.exit_code == 0 and "Nothing new." in nothing.stdout


def test_html_and_markdown_escape_text() -> None:
    item = FeedItem(
        id="2301.00001",
        title='<script>alert("x")</script> & [link](javascript:x)',
        score=0.5,
        explanation={},
        why="shared entities: <b>",
        authors=["A <B>"],
        url="https://doi.org/10.1/a(b)",
    )
    feed = Feed(collection="<c>", since=SINCE, by="either", seeds=1, dismissed=0, candidates=1, results=[item])
    html = render(feed, "html")
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;c&gt;" in html
    md = render(feed, "markdown")
    assert "\\[link\\]" in md and "(https://doi.org/10.1/a%28b%29)" in md
