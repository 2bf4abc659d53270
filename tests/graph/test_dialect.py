"""Dialect adapter: detection, schema statements, parameter encoding and clipping."""

from __future__ import annotations

from paperkg.graph.dialect import FALKORDB, NEO4J, detect


def test_detect():
    assert detect(lambda q: [{"name": "Neo4j Kernel"}]) is NEO4J

    def falkor(query: str):
        raise RuntimeError("unknown procedure")

    assert detect(falkor) is FALKORDB


def test_schema_statements():
    assert all("IF NOT EXISTS" in s for s in NEO4J.schema_statements())
    assert any("REQUIRE n.id IS UNIQUE" in s for s in NEO4J.schema_statements())
    assert not any("CONSTRAINT" in s for s in FALKORDB.schema_statements())


def test_encoding_only_for_falkordb():
    row = {"t": "it's a \\ test", "l": ["O'Brien"], "n": 3}
    assert NEO4J.encode(row) == row
    assert FALKORDB.encode(row) == {"t": "it\\'s a \\\\ test", "l": ["O\\'Brien"], "n": 3}
    assert FALKORDB.max_batch_bytes < 4000 < NEO4J.max_batch_bytes
    assert len(FALKORDB.clip("x" * 1000)) == FALKORDB.max_string
