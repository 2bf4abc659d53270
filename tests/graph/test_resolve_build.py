"""Entity resolution (types, aliases, counts, acronyms, Generic mentions) and the embedded graph build."""

from __future__ import annotations

from conftest import PAPERS, add_paper, set_annotations
from paperkg.graph.build import build_graph, load_graph, to_networkx
from paperkg.graph.resolve import resolve_entities


def test_entities_after_resolution(kg_catalog):
    report = resolve_entities(kg_catalog)
    assert report.papers == 7 and report.mentions_linked == 44  # 46 mentions, 2 Generic
    cnn = kg_catalog.get_entity("convolutional neural network")
    # CNN, CNNs and both spellings of the long form, over four papers; defined as "(CNN)" in paper 1
    assert cnn.type == "Method" and cnn.paper_count == 4 and cnn.mention_count == 8
    assert {"CNN", "CNNs", "convolutional neural network"} <= set(cnn.aliases)
    assert kg_catalog.get_entity("cnn") is None
    lstm = kg_catalog.get_entity("long short term memory")
    assert "LSTM" in lstm.aliases
    assert kg_catalog.get_entity("graph neural network").mention_count == 4
    assert kg_catalog.get_entity("this method") is None and kg_catalog.get_entity("we") is None
    assert kg_catalog.stats()["entities"] == report.entities == 25


def test_acronym_seen_before_its_definition_is_merged(tmp_path):
    from paperkg.catalog import open_catalog

    catalog = open_catalog(tmp_path / "c.sqlite")
    add_paper(catalog, PAPERS[1])  # "CNNs" only
    resolve_entities(catalog)
    assert catalog.get_entity("cnn") is not None
    add_paper(catalog, PAPERS[0])  # defines "convolutional neural network (CNN)"
    report = resolve_entities(catalog)
    assert report.entities_merged == 1
    assert catalog.get_entity("cnn") is None
    assert catalog.get_entity("convolutional neural network").paper_count == 2


def test_majority_type(tmp_path):
    from paperkg.catalog import open_catalog

    catalog = open_catalog(tmp_path / "c.sqlite")
    for i, typ in enumerate(["Method", "OtherScientificTerm", "Method"]):
        add_paper(
            catalog,
            dict(
                id=f"x{i}",
                title="Attention",
                abstract="",
                authors=[],
                categories=[],
                submitted="2020-01-01",
                mentions=[("Attention", typ)],
                relations=[],
            ),
        )
    resolve_entities(catalog)
    assert catalog.get_entity("attention").type == "Method"


def test_retagging_updates_counts_and_drops_orphans(kg_catalog):
    resolve_entities(kg_catalog)
    spec = PAPERS[6]
    pk = kg_catalog.paper_pk(spec["id"])
    with kg_catalog.transaction():
        set_annotations(
            kg_catalog,
            pk,
            f"{spec['title']}. {spec['abstract']}",
            [("Dark matter halos", "OtherScientificTerm")],
            [],
        )
    report = resolve_entities(kg_catalog)
    assert report.papers == 1 and report.entities_deleted == 2  # simulation, n body simulation
    assert kg_catalog.get_entity("dark matter halo").mention_count == 1


def test_build_is_incremental(kg_catalog, kg_settings):
    first = build_graph(kg_catalog, kg_settings)
    assert first.rebuilt and first.papers == 7 and first.entities == 25 and first.externals == 1
    assert first.citation_edges == 5 and first.relation_edges > 0
    again = build_graph(kg_catalog, kg_settings)
    assert not again.rebuilt and again.resolve.papers == 0
    add_paper(kg_catalog, dict(PAPERS[2], id="2101.00010", cites=[]))
    third = build_graph(kg_catalog, kg_settings)
    assert third.rebuilt and third.resolve.papers == 1 and third.papers == 8


def test_saved_graph_loads_and_converts(kg_catalog, kg_settings):
    build_graph(kg_catalog, kg_settings)
    kg = load_graph(kg_settings)
    assert kg.mentions.shape == (7, 25)
    assert load_graph(kg_settings) is kg  # cached until the files change
    g = to_networkx(kg)
    assert g.nodes["2101.00001"]["label"] == "Paper"
    assert g.has_edge("2101.00005", "2101.00001", key="CITES")
    assert g.has_edge("Dan Brown", "2101.00004", key="WROTE")


def test_entity_names_and_aliases_have_no_stray_punctuation(tmp_path):
    from paperkg.catalog import open_catalog

    catalog = open_catalog(tmp_path / "c.sqlite")
    text = (
        "Collisions at the Large Hadron Collider (LHC) test VLA-based policies. The LHC data and "
        "vision-language-action models (VLAs) support spatial grounding, scene reasoning."
    )
    spec = {
        "id": "2101.09999",
        "title": "LHC and VLAs",
        "abstract": text[len("LHC and VLAs") :],
        "authors": ["A. B"],
        "categories": ["hep-ex"],
        "submitted": "2021-01-05",
        "mentions": [],
        "relations": [],
    }
    pk = add_paper(catalog, spec)
    paper_text = catalog.paper_texts([pk])[pk]
    mentions = [
        ("Large Hadron Collider (LHC)", "Material"),
        ("VLA-", "Method"),
        ("LHC", "Material"),
        ("vision-language-action models", "Method"),
        ("VLAs)", "Method"),
        ("spatial grounding, scene reasoning", "Task"),
    ]
    with catalog.transaction():
        set_annotations(catalog, pk, paper_text, mentions, [])
    report = resolve_entities(catalog)
    assert report.mentions_skipped == 1  # the list span
    lhc = catalog.get_entity("large hadron collider")
    assert lhc.name == "Large Hadron Collider" and set(lhc.aliases) == {"Large Hadron Collider", "LHC"}
    assert lhc.mention_count == 2
    vla = catalog.get_entity("vision language action model")
    assert vla is not None and set(vla.aliases) <= {"vision-language-action models", "VLA", "VLAs"}
    import json

    names = [
        n
        for name, aliases in catalog.conn.execute("SELECT name, aliases FROM entities")
        for n in [name, *json.loads(aliases)]
    ]
    assert len(names) >= 5 and all(not n.endswith(("-", ")", ",")) and "," not in n for n in names), names
