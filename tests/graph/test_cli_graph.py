"""Graph verbs end to end through the CLI: build (then nothing to do), related, recommend, entity, export."""

from __future__ import annotations

import json

from paperkg.cli.main import app
from typer.testing import CliRunner


def test_graph_cli(kg_catalog, kg_settings, tmp_path):
    runner = CliRunner()
    home = ["--home", str(kg_settings.home)]
    first = runner.invoke(app, ["graph", "build", *home])
    assert first.exit_code == 0, first.output
    assert "25 entities" in first.output.replace("\n", " ")
    stats = runner.invoke(app, ["stats", "--json", *home])
    assert json.loads(stats.stdout)["entities"] == 25
    again = runner.invoke(app, ["graph", "build", *home])
    assert again.exit_code == 0 and "nothing to do" in again.output

    related = runner.invoke(app, ["related", "2101.00001", "-k", "2", "--json", *home])
    assert related.exit_code == 0, related.output
    assert [r["id"] for r in json.loads(related.stdout)][0] == "2101.00006"

    rec = runner.invoke(app, ["recommend", "--positive", "2101.00003", "--negative", "2101.00001", "--json", *home])
    assert rec.exit_code == 0 and json.loads(rec.stdout)[0]["id"] == "2101.00004"

    entity = runner.invoke(app, ["entity", "CNNs", "--json", *home])
    assert entity.exit_code == 0 and json.loads(entity.stdout)["entity"]["id"] == "convolutional neural network"
    assert runner.invoke(app, ["entity", "no such entity", *home]).exit_code == 2
    assert runner.invoke(app, ["related", "9999.99999", *home]).exit_code == 2

    out = tmp_path / "csv"
    export = runner.invoke(app, ["graph", "export", str(out), *home])
    assert export.exit_code == 0 and (out / "nodes_papers.csv").is_file()
    assert "neo4j-admin database import full" in export.output.replace("\n", " ")
