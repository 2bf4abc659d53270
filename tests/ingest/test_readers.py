from __future__ import annotations

import json
from pathlib import Path

from paperkg.ingest.detect import detect
from paperkg.ingest.jsonl import read_json_document, read_jsonl
from paperkg.ingest.oai import read_oai

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def test_kaggle_record_fields(tmp_path: Path, sample_lines: list[bytes]) -> None:
    src = tmp_path / "one.jsonl"
    src.write_bytes(sample_lines[0])
    assert detect(src)[0] == "json-lines"
    (item,) = list(read_jsonl(src))
    p = item.paper
    assert p is not None and item.error is None
    assert p.id == "0704.0001"
    assert p.title.startswith("Calculation of prompt diphoton production cross sections at Tevatron and LHC")
    assert p.authors[0] == "C. Balázs"  # LaTeX accent from authors_parsed turned into Unicode
    assert p.categories == ["hep-ph"]
    assert p.versions == ["v1", "v2"] and p.submitted == "2007-04-02" and p.updated == "2008-11-26"
    assert p.doi == "10.1103/PhysRevD.76.013009" and p.journal_ref == "Phys.Rev.D76:013009,2007"
    assert p.year == 2007


def test_oai_arxiv_prefix_records() -> None:
    path = FIXTURES / "oai" / "hepcrawl_arxiv-physics-hep-th.xml"
    assert detect(path)[0] == "oai-pmh"
    items = list(read_oai(path))
    assert [i.error for i in items] == [None, None, None]
    first = items[0].paper
    assert first is not None and first.id == "1412.8323"
    assert first.authors == ["Philipp A Hoehn"]
    assert first.categories[:2] == ["quant-ph", "gr-qc"]
    assert first.submitted == "2014-12-29" and first.updated == "2017-12-13"
    assert first.title == "Toolbox for reconstructing quantum theory from rules on information acquisition"
    assert items[0].location == "line 6"


ARXIV_RAW = """<?xml version="1.0" encoding="UTF-8"?>
<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><ListRecords>
<record><header><identifier>oai:arXiv.org:0704.0001</identifier><datestamp>2008-11-13</datestamp>
<setSpec>physics:hep-ph</setSpec></header><metadata>
<arXivRaw xmlns="http://arxiv.org/OAI/arXivRaw/"><id>0704.0001</id><submitter>Pavel Nadolsky</submitter>
<version version="v1"><date>Mon, 2 Apr 2007 19:18:42 GMT</date><size>37kb</size></version>
<version version="v2"><date>Tue, 24 Jul 2007 20:10:27 GMT</date><size>37kb</size></version>
<title>Calculation of prompt diphoton production cross sections at Tevatron and
  LHC energies</title><authors>C. Bal\\'azs, E. L. Berger, P. M. Nadolsky, C.-P. Yuan</authors>
<categories>hep-ph</categories><doi>10.1103/PhysRevD.76.013009</doi>
<abstract>  A fully differential calculation in perturbative quantum chromodynamics.</abstract>
</arXivRaw></metadata></record>
<record><header status="deleted"><identifier>oai:arXiv.org:0704.0002</identifier></header></record>
<record><header><identifier>oai:arXiv.org:0704.0003</identifier><setSpec>physics:hep-th</setSpec></header><metadata>
<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:title>Some title</dc:title><dc:creator>Pan, Hongjun</dc:creator><dc:subject>Physics</dc:subject>
<dc:description>The abstract.</dc:description><dc:description>Comment: 12 pages</dc:description>
<dc:date>2007-04-01</dc:date><dc:date>2007-04-10</dc:date>
<dc:identifier>http://arxiv.org/abs/0704.0003</dc:identifier><dc:identifier>doi:10.1/abc</dc:identifier>
</oai_dc:dc></metadata></record>
</ListRecords></OAI-PMH>
"""


def test_oai_arxivraw_deleted_and_oai_dc(tmp_path: Path) -> None:
    path = tmp_path / "harvest.xml"
    path.write_text(ARXIV_RAW, encoding="utf-8")
    raw, deleted, dc = list(read_oai(path))
    assert raw.paper is not None and raw.paper.versions == ["v1", "v2"]
    assert raw.paper.submitted == "2007-04-02" and raw.paper.updated == "2007-07-24"
    assert raw.paper.authors[0] == "C. Balázs" and len(raw.paper.authors) == 4
    assert deleted.deleted_id == "0704.0002"
    assert dc.paper is not None and dc.paper.authors == ["Hongjun Pan"]
    assert dc.paper.abstract == "The abstract." and dc.paper.doi == "10.1/abc"
    assert dc.paper.categories == ["hep-th"] and dc.paper.submitted == "2007-04-01"


def test_arxiv_api_json_document() -> None:
    path = FIXTURES / "arxiv-api.json"
    assert detect(path)[0] == "arxiv-api-json"
    items = list(read_json_document(path))
    assert len(items) == 5 and all(i.error is None for i in items)
    raw = json.loads(path.read_text(encoding="utf-8"))["papers"][0]
    p = items[0].paper
    assert p is not None
    assert p.id == raw["arxiv_id"].rsplit("v", 1)[0]
    assert p.abstract.split()[:5] == raw["summary"].split()[:5]
    assert p.authors == raw["authors"]
    assert p.submitted == raw["published"][:10]
    assert raw["primary_category"] in p.categories


def test_beir_corpus_lines() -> None:
    path = FIXTURES / "beir-mini" / "corpus.jsonl"
    items = list(read_jsonl(path))
    assert len(items) == 202 and all(i.paper is not None for i in items)
    assert all(i.paper.source == "beir" for i in items if i.paper)
