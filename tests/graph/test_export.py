"""neo4j-admin CSV export: headers in the import format, consistent ids, byte-identical re-export."""

from __future__ import annotations

import csv

from paperkg.graph.build import build_graph
from paperkg.graph.export import export_neo4j_admin


def read(path):
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_export_structure_and_determinism(kg_catalog, kg_settings, tmp_path):
    build_graph(kg_catalog, kg_settings)
    report = export_neo4j_admin(kg_catalog, tmp_path / "a")
    assert report.nodes == 8 + 25 + 7 + 4 and report.relationships == 31 + 10 + 8 + 5 + 19
    papers = read(tmp_path / "a" / "nodes_papers.csv")
    assert papers[0] == [
        "id:ID(Paper)",
        "title",
        "year:int",
        "categories:string[]",
        "external:boolean",
        ":LABEL",
    ]
    assert ["doi:10.1000/shared-ref", "", "", "", "true", "Paper"] in papers
    cs_cl = next(r for r in papers if r[0] == "2101.00004")
    assert cs_cl[3] == "cs.CL;cs.LG"
    mentions = read(tmp_path / "a" / "rels_mentions.csv")
    assert mentions[0] == [":START_ID(Paper)", ":END_ID(Entity)", "count:int", ":TYPE"]
    entity_ids = {r[0] for r in read(tmp_path / "a" / "nodes_entities.csv")[1:]}
    paper_ids = {r[0] for r in papers[1:]}
    assert all(r[0] in paper_ids and r[1] in entity_ids and r[3] == "MENTIONS" for r in mentions[1:])
    rel_types = {r[-1] for r in read(tmp_path / "a" / "rels_entity_relations.csv")[1:]}
    assert rel_types <= {
        "USED_FOR",
        "FEATURE_OF",
        "HYPONYM_OF",
        "PART_OF",
        "COMPARE",
        "CONJUNCTION",
        "EVALUATE_FOR",
    }
    assert "--nodes=nodes_papers.csv" in report.import_command()

    export_neo4j_admin(kg_catalog, tmp_path / "b")
    for f in (tmp_path / "a").iterdir():
        assert f.read_bytes() == (tmp_path / "b" / f.name).read_bytes(), f.name
