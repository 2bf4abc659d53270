"""Entity trends, rising entities and associations over the hand-annotated fixture catalog, spread over time."""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from paperkg.catalog import Catalog, open_catalog
from paperkg.errors import EntityNotFound
from paperkg.graph import trends
from paperkg.graph.resolve import resolve_entities

from tests.graph.conftest import PAPERS, add_paper

# papers 1-2 (CNNs) in 2020, 3-4 (translation) early 2021, 5-7 (GNN, ViT, astro) mid 2021
DATES = ["2020-03-10", "2020-05-02", "2021-02-01", "2021-02-20", "2021-06-01", "2021-06-15", "2021-07-01"]


@pytest.fixture
def timed(tmp_path: Path) -> Iterator[Catalog]:
    catalog = open_catalog(tmp_path / "home" / "catalog.sqlite")
    for spec, date in zip(PAPERS, DATES, strict=True):
        add_paper(catalog, {**spec, "submitted": date})
    resolve_entities(catalog)
    yield catalog
    catalog.close()


def test_acronym_and_long_form_count_as_one_entity(timed: Catalog) -> None:
    report = trends.entity_trends(timed, ["CNN", "convolutional neural networks"], by="year")
    assert report.periods == ["2020", "2021"]
    assert report.papers == [2, 5]
    cnn, long_form = report.series
    assert cnn.entity.id == long_form.entity.id  # the graph's canonical entity, not the surface form
    # papers 1, 2 (2020) and 5, 6 (2021: "CNNs" compared with GNNs and ViTs) mention it
    assert cnn.counts == [2, 2] and cnn.total == 4
    assert cnn.shares == [1.0, 0.4]


def test_months_fill_gaps_with_zeros_and_since_trims(timed: Catalog) -> None:
    report = trends.entity_trends(timed, ["machine translation"], by="month")
    assert report.periods[0] == "2020-03" and report.periods[-1] == "2021-07"
    assert len(report.periods) == 17  # March 2020 .. July 2021, empty months included
    mt = report.series[0]
    assert mt.counts[report.periods.index("2021-02")] == 2
    assert sum(mt.counts) == 2
    later = trends.entity_trends(timed, ["machine translation"], by="month", since="2021-01")
    assert later.periods[0] == "2021-01"
    assert trends.entity_trends(timed, ["CNN"], by="year", since="2021-06").periods == ["2021"]


def test_category_filter(timed: Catalog) -> None:
    report = trends.entity_trends(timed, ["CNN"], by="year", category="cs.CV")
    assert report.papers == [2, 1]  # cs.CV: papers 1, 2 and 6
    assert report.series[0].counts == [2, 1]
    assert trends.entity_trends(timed, ["CNN"], by="year", category="cs").papers == [2, 4]


def test_unknown_entity_is_named(timed: Catalog) -> None:
    with pytest.raises(EntityNotFound, match="quantum chromodynamics"):
        trends.entity_trends(timed, ["CNN", "quantum chromodynamics"])


def test_rising_needs_counts_and_significance(timed: Catalog) -> None:
    # 2021 vs 2020: machine translation goes from 0/2 to 2/5 papers; CNN's share falls (2/2 -> 2/5)
    loose = trends.rising_entities(timed, by="year", min_papers=2, min_z=0.0)
    assert loose.recent_periods == ["2021"] and loose.before_periods == ["2020"]
    names = [r.entity.name.lower() for r in loose.results]
    assert "machine translation" in names
    assert not any("convolutional" in n or n == "cnn" for n in names)
    mt = loose.results[names.index("machine translation")]
    assert (mt.recent, mt.before, mt.growth) == (2, 0, 40.0)
    assert mt.z == pytest.approx(trends.two_proportion_z(2, 5, 0, 2), abs=1e-3)
    # the default guard (z >= 1.96) rejects growth resting on seven papers
    assert trends.rising_entities(timed, by="year", min_papers=2).results == []
    assert trends.rising_entities(timed, by="year", min_papers=3, min_z=0.0).results == []
    # months: Jun-Jul 2021 vs Apr-May 2021 (empty) -> every earlier month with papers
    months = trends.rising_entities(timed, by="month", window=2, min_papers=1, min_z=0.0)
    assert months.recent_periods == ["2021-06", "2021-07"]
    assert months.before_periods == ["2020-03", "2020-05", "2021-02"]
    assert (months.recent_papers, months.before_papers) == (3, 4)


def test_associations_pmi_and_lift(timed: Catalog) -> None:
    report = trends.associations(timed, "CNN", min_support=2)
    assert report.papers == 4 and report.corpus == 7
    by_name = {a.entity.name.lower(): a for a in report.results}
    imagenet = by_name["imagenet"]  # papers 1 and 6, both with CNNs
    assert imagenet.together == 2 and imagenet.papers == 2
    assert imagenet.lift == pytest.approx(7 * 2 / (4 * 2), abs=1e-3)
    assert imagenet.pmi == pytest.approx(math.log2(7 * 2 / (4 * 2)), abs=1e-3)
    assert all(a.together >= 2 and a.lift > 1 for a in report.results)
    assert trends.associations(timed, "CNN", min_support=3).results == []


def test_cli_json_and_plot(timed: Catalog, tmp_path: Path) -> None:
    from paperkg.cli.main import app
    from typer.testing import CliRunner

    home = str(Path(timed.path).parent)
    runner = CliRunner()
    res = runner.invoke(app, ["trends", "CNN", "BLEU", "--by", "year", "--json", "--home", home])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert [s["total"] for s in data["series"]] == [4, 1]  # "BLEU scores" (paper 4) is its own entity
    png, svg = tmp_path / "t.png", tmp_path / "t.svg"
    for out in (png, svg):
        res = runner.invoke(app, ["trends", "CNN", "BLEU", "--by", "month", "--plot", str(out), "--home", home])
        assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 5000
    assert b"<svg" in svg.read_bytes()[:500]
    res = runner.invoke(app, ["trends", "CNN", "--plot", str(tmp_path / "t.gif"), "--home", home])
    assert res.exit_code == 2 and "png or .svg" in res.output  # a bad option value (exit codes in --help)
    res = runner.invoke(app, ["trends", "--rising", "--min-papers", "1", "--json", "--home", home])
    assert res.exit_code == 0 and json.loads(res.output)["recent_periods"] == ["2021"]
    res = runner.invoke(app, ["trends", "--associations", "CNN", "--min-support", "2", "--json", "--home", home])
    assert res.exit_code == 0 and json.loads(res.output)["results"][0]["together"] >= 2
    res = runner.invoke(app, ["trends", "nothing-like-this", "--home", home])
    assert res.exit_code == 2 and "nothing-like-this" in res.output
