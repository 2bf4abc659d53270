"""Every Cypher query in docs/neo4j-browser.md runs against the Bolt server and returns rows on the test
graph."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from paperkg.graph.build import build_graph
from paperkg.graph.sync import sync_graph

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "neo4j-browser.md"


def guide_queries() -> tuple[dict[str, object], list[str]]:
    text = GUIDE.read_text(encoding="utf-8")
    params = {
        m.group(1): ast.literal_eval(m.group(2).strip()) for m in re.finditer(r"^:param (\w+) => (.+)$", text, re.M)
    }
    queries = [q.strip() for q in re.findall(r"```cypher\n(.*?)```", text, re.S)]
    return params, queries


def test_guide_has_the_promised_queries():
    params, queries = guide_queries()
    assert len(queries) >= 8
    assert {"paper", "other", "task", "category", "entity_a", "entity_b", "author"} <= set(params)
    for q in queries:
        assert set(re.findall(r"\$(\w+)", q)) <= set(params), q


def test_grass_style_file_styles_every_label():
    grass = (GUIDE.parent / "paperkg.grass").read_text(encoding="utf-8")
    for label in ("Paper", "Entity", "Author", "Category"):
        assert f"node.{label} {{" in grass


@pytest.mark.parametrize("index", range(len(guide_queries()[1])))
def test_guide_query_runs(kg_catalog, kg_settings, bolt, index):
    driver, db = bolt
    build_graph(kg_catalog, kg_settings)
    sync_graph(kg_catalog, driver, target="guide", database=db)
    params, queries = guide_queries()
    query = queries[index]
    used = {k: v for k, v in params.items() if f"${k}" in query}
    with driver.session(database=db) as s:
        rows = s.run(query, used).data()
    assert rows, f"no rows from:\n{query}"
