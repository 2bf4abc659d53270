"""Export (BibTeX, RIS, CSV) and import (BibTeX, RIS as Zotero and Mendeley write them): round trips, matching
by arXiv id, DOI and fuzzy title, unmatched entries and unreadable ones reported."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from paperkg.bibexport import export
from paperkg.bibimport import import_file, read_entries
from paperkg.catalog import open_catalog
from paperkg.cli.main import app
from paperkg.errors import BadInput
from paperkg.records import Paper
from typer.testing import CliRunner

PAPERS = [
    Paper(
        id="1810.04805",
        title="BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding",
        authors=["Jacob Devlin", "Ming-Wei Chang"],
        categories=["cs.CL"],
        versions=["v1"],
        submitted="2018-10-11",
    ),
    Paper(
        id="hep-th/9901001",
        title="Strings, branes & 50% of {odd} dualities",
        authors=["Ana Müller"],
        categories=["hep-th"],
        versions=["v1"],
        submitted="1999-01-04",
        doi="10.1016/S0550-3213(99)00001-X",
    ),
    Paper(
        id="pdf-3f2a",
        title="Construction of the Literature Graph in Semantic Scholar",
        authors=["Waleed Ammar"],
        doi="10.18653/v1/N18-3011",
        submitted="2018-06-01",
    ),
    Paper(id="beir-77", title="A paper known only by its title in the catalog", authors=["Zed Zulu"]),
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    with open_catalog(tmp_path / "catalog.sqlite") as cat, cat.transaction():
        cat.upsert_papers(PAPERS)
    return tmp_path


@pytest.mark.parametrize("fmt", ["bibtex", "ris"])
def test_export_round_trips_through_import(home: Path, fmt: str) -> None:
    text = export(PAPERS, fmt)  # type: ignore[arg-type]
    path = home / f"out.{'bib' if fmt == 'bibtex' else 'ris'}"
    path.write_text(text, encoding="utf-8")
    with open_catalog(home / "catalog.sqlite") as cat:
        report = import_file(cat, path, "round trip")
        assert report.matched == 4 and report.unmatched == [] and report.errors == []
        assert report.by == {"arxiv": 2, "doi": 1, "title": 1}
        assert [p[1] for p in cat.collection_members("round trip").papers] == [p.id for p in PAPERS]
    entries, _ = read_entries(path)
    assert entries[1].title and "50%" in entries[1].title and entries[1].authors == ["Ana Müller"]


def test_csv_export_columns() -> None:
    rows = list(csv.DictReader(io.StringIO(export(PAPERS, "csv"))))
    assert rows[0]["arxiv_id"] == "1810.04805" and rows[0]["url"] == "https://arxiv.org/abs/1810.04805"
    assert rows[0]["authors"] == "Jacob Devlin; Ming-Wei Chang" and rows[0]["year"] == "2018"
    assert rows[2]["doi"] == "10.18653/v1/n18-3011" or rows[2]["doi"] == "10.18653/v1/N18-3011"
    assert rows[2]["url"].startswith("https://doi.org/")


ZOTERO_BIB = r"""
@misc{devlin_bert_2019,
  title = {{BERT}: {Pre}-training of {Deep} {Bidirectional} {Transformers} for {Language} {Understanding}},
  shorttitle = {{BERT}},
  url = {http://arxiv.org/abs/1810.04805},
  doi = {10.48550/arXiv.1810.04805},
  publisher = {arXiv},
  author = {Devlin, Jacob and Chang, Ming-Wei},
  year = {2019},
  note = {arXiv:1810.04805 [cs]},
}

@inproceedings{ammar_construction_2018,
  title = {Construction of the {Literature} {Graph} in {Semantic} {Scholar}},
  booktitle = {Proceedings of {NAACL}},
  author = {Ammar, Waleed},
  year = {2018},
  doi = {10.18653/v1/N18-3011},
}

@article{mendeley2018,
  author = {Zulu, Zed},
  title = {{A paper known only by its title in the catalogue}},
  year = {2020}
}

@article{broken,
  title = {an entry that never closes
"""

MENDELEY_RIS = """TY  - JOUR
AU  - Müller, Ana
TI  - Strings, branes and dualities
PY  - 1999
UR  - https://arxiv.org/abs/hep-th/9901001v2
ER  -

TY  - GEN
TI  - A paper nobody has in the catalog
AU  - Nobody, N.
PY  - 2021
DO  - 10.1234/nothing.here
ER  -
"""


def test_import_zotero_bibtex_and_mendeley_ris_cli(home: Path) -> None:
    runner = CliRunner()
    (home / "zotero.bib").write_text(ZOTERO_BIB, encoding="utf-8")
    (home / "mendeley.ris").write_text(MENDELEY_RIS, encoding="utf-8")
    out = runner.invoke(app, ["import", str(home / "zotero.bib"), "--collection", "z", "--home", str(home), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["matched"] == 3 and report["unmatched"] == []  # arXiv URL/note, DOI, fuzzy title
    assert report["by"] == {"arxiv": 1, "doi": 1, "title": 1}
    assert "line 27: entry not closed" in report["errors"][0]  # the unterminated entry, with its line
    out = runner.invoke(app, ["import", str(home / "mendeley.ris"), "--collection", "z", "--home", str(home), "--json"])
    report = json.loads(out.stdout)
    assert report["matched"] == 1 and report["unmatched"] == ["A paper nobody has in the catalog"]
    shown = json.loads(runner.invoke(app, ["collection", "show", "z", "--json", "--home", str(home)]).stdout)
    assert sorted(shown["papers"]) == sorted(["1810.04805", "pdf-3f2a", "beir-77", "hep-th/9901001"])

    exported = runner.invoke(app, ["export", "--collection", "z", "--format", "bibtex", "--home", str(home)])
    assert exported.exit_code == 0 and exported.stdout.count("@") == 4
    target = home / "z.ris"
    assert (
        runner.invoke(
            app, ["export", "--collection", "z", "--format", "ris", "-o", str(target), "--home", str(home)]
        ).exit_code
        == 0
    )
    assert target.read_text(encoding="utf-8").count("TY  - ") == 4
    missing = runner.invoke(app, ["import", str(home / "nope.bib"), "--collection", "z", "--home", str(home)])
    assert missing.exit_code == 2 and "nope.bib" in missing.stderr


def test_unreadable_files_name_the_problem(tmp_path: Path) -> None:
    latin = tmp_path / "latin.bib"
    latin.write_bytes(b"@article{a,\n title={Caf\xe9}\n}\n")
    with pytest.raises(BadInput, match=r"latin.bib: line 2: not UTF-8"):
        read_entries(latin)
    empty = tmp_path / "notes.txt"
    empty.write_text("just some notes\n", encoding="utf-8")
    with pytest.raises(BadInput, match="neither BibTeX"):
        read_entries(empty)
