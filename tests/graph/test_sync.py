"""Neo4j sync against a real Bolt server (FalkorDB): counts and queries after sync, re-sync, and a change."""

from __future__ import annotations

from conftest import PAPERS, add_paper, set_annotations
from paperkg.graph.build import build_graph
from paperkg.graph.sync import batches, sync_graph


def counts(driver, db: str) -> tuple[dict[str, int], dict[str, int]]:
    with driver.session(database=db) as s:
        nodes = {r["l"]: r["c"] for r in s.run("MATCH (n) RETURN labels(n)[0] AS l, count(*) AS c").data()}
        rels = {r["t"]: r["c"] for r in s.run("MATCH ()-[r]->() RETURN type(r) AS t, count(*) AS c").data()}
    return nodes, rels


def test_batches_respect_rows_and_bytes():
    rows = [{"id": str(i), "title": "x" * 100} for i in range(50)]
    cut = list(batches(rows, max_rows=20, max_bytes=1000))
    assert sum(len(b) for b in cut) == 50
    assert all(len(b) <= 20 for b in cut)
    assert all(sum(len(str(r)) for r in b) < 1300 for b in cut)
    assert len(list(batches([{"t": "y" * 5000}], 10, 1000))) == 1  # a lone oversized row still goes


def test_sync_resync_and_incremental_change(kg_catalog, kg_settings, bolt):
    driver, db = bolt
    build_graph(kg_catalog, kg_settings)
    first = sync_graph(kg_catalog, driver, target="test", database=db)
    assert first.dialect == "falkordb"
    assert (first.papers_pushed, first.entities_pushed) == (7, 25)
    nodes, rels = counts(driver, db)
    # 7 papers + 1 external cited paper, 25 entities, 7 authors, 4 categories
    assert nodes == {"Paper": 8, "Entity": 25, "Author": 7, "Category": 4}
    assert rels["MENTIONS"] == 31 and rels["WROTE"] == 10 and rels["IN_CATEGORY"] == 8 and rels["CITES"] == 5
    assert rels["USED_FOR"] == 10 and rels["EVALUATE_FOR"] == 4
    with driver.session(database=db) as s:
        cnn = s.run(
            "MATCH (e:Entity {id: 'convolutional neural network'}) RETURN e.paper_count AS n, e.type AS t"
        ).single()
        assert (cnn["n"], cnn["t"]) == (4, "Method")
        shared = s.run(
            "MATCH (a:Paper)-[:CITES]->(x:Paper {external: true})<-[:CITES]-(b:Paper) WHERE a.id < b.id "
            "RETURN a.id AS a, b.id AS b"
        ).data()
        assert shared == [{"a": "2101.00005", "b": "2101.00006"}]

    second = sync_graph(kg_catalog, driver, target="test", database=db)
    assert not second.changed and second.batches == 0
    assert counts(driver, db) == (nodes, rels)

    # the tagger re-tags paper 7 (now also mentions CNNs) and paper 2 disappears from the catalog
    spec = PAPERS[6]
    pk = kg_catalog.paper_pk(spec["id"])
    text = f"{spec['title']}. {spec['abstract']}"
    with kg_catalog.transaction():
        set_annotations(
            kg_catalog,
            pk,
            text,
            [("Dark matter halos", "OtherScientificTerm"), ("N-body simulations", "Method")],
            [(1, 0, "USED-FOR")],
        )
        kg_catalog.delete_paper("2101.00002")
    build_graph(kg_catalog, kg_settings)
    third = sync_graph(kg_catalog, driver, target="test", database=db)
    assert third.papers_pushed == 1 and third.papers_deleted == 1
    nodes3, rels3 = counts(driver, db)
    assert nodes3["Paper"] == 7
    assert nodes3["Author"] == 6  # Carol White wrote only the deleted paper
    assert nodes3["Entity"] == 25 - 4  # simulation, coco, object detection, mean average precision left
    with driver.session(database=db) as s:
        assert s.run("MATCH (p:Paper {id: '2101.00007'})-[:MENTIONS]->(e) RETURN count(e) AS n").single()["n"] == 2
    fourth = sync_graph(kg_catalog, driver, target="test", database=db)
    assert not fourth.changed
    assert counts(driver, db) == (nodes3, rels3)


def test_full_resync_is_idempotent(kg_catalog, kg_settings, bolt):
    driver, db = bolt
    build_graph(kg_catalog, kg_settings)
    sync_graph(kg_catalog, driver, target="test", database=db)
    before = counts(driver, db)
    again = sync_graph(kg_catalog, driver, target="test", database=db, full=True)
    assert again.changed and again.counters.get("nodes_created", 0) == 0
    assert counts(driver, db) == before


def test_new_paper_is_the_only_push(kg_catalog, kg_settings, bolt):
    driver, db = bolt
    build_graph(kg_catalog, kg_settings)
    sync_graph(kg_catalog, driver, target="test", database=db)
    add_paper(kg_catalog, dict(PAPERS[0], id="2101.00099", authors=["Zed New"], cites=[], external=[]))
    build_graph(kg_catalog, kg_settings)
    report = sync_graph(kg_catalog, driver, target="test", database=db)
    assert report.papers_pushed == 1
    assert report.entities_pushed >= 1  # paper counts of the entities it mentions changed
    nodes, _ = counts(driver, db)
    assert nodes["Paper"] == 9 and nodes["Author"] == 8


def test_quotes_and_backslashes_round_trip(kg_catalog, kg_settings, bolt):
    """FalkorDB splices parameters into the query text; the dialect escapes them (a raw apostrophe fails)."""
    driver, db = bolt
    title = "Don't panic: it's a \\LaTeX\\ 'quoted' \"title\" \\'"
    add_paper(
        kg_catalog,
        dict(
            PAPERS[0],
            id="2101.00042",
            title=title,
            authors=["Conan O'Brien"],
            cites=[],
            external=[],
            mentions=[("CNN", "Method")],
            relations=[],
        ),
    )
    build_graph(kg_catalog, kg_settings)
    sync_graph(kg_catalog, driver, target="test", database=db)
    with driver.session(database=db) as s:
        row = s.run("MATCH (a:Author)-[:WROTE]->(p:Paper {id: '2101.00042'}) RETURN p.title AS t, a.name AS a").single()
    assert (row["t"], row["a"]) == (title, "Conan O'Brien")
