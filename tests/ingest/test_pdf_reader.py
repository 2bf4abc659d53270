"""Reading real PDFs (metadata, sections, references) and quarantining bad ones without stopping a run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pymupdf
import pytest
from paperkg.catalog import open_catalog
from paperkg.ingest.pdf import read_pdf, read_pdf_file
from paperkg.ingest.run import ingest_paths

PDFS = Path(__file__).parent / "fixtures" / "pdfs"
BAD = PDFS / "bad"


@pytest.fixture(scope="module")
def n18():
    return read_pdf_file(PDFS / "N18-3011.pdf")


@pytest.fixture(scope="module")
def cmj():
    return read_pdf_file(PDFS / "cmj-0f318087.pdf")


@pytest.fixture(scope="module")
def revtex():
    return read_pdf_file(PDFS / "0908.0054.pdf")


def test_acl_paper_metadata(n18) -> None:
    assert n18.error is None
    p = n18.paper
    assert p.title == "Construction of the Literature Graph in Semantic Scholar"
    assert p.authors[:3] == ["Waleed Ammar", "Dirk Groeneveld", "Chandra Bhagavatula"]
    assert len(p.authors) == 23
    assert p.abstract.startswith("We describe a deployed scalable system for organizing published scientific")
    # no arXiv id in the name or text: a stable id from the file's bytes
    assert p.id == "pdf:06a68561c540158b"
    assert p.source == "pdf"


def test_acl_paper_sections(n18) -> None:
    headings = [s["heading"] for s in n18.fulltext["sections"]]
    assert headings[:3] == ["Abstract", "1 Introduction", "2 Structure of The Literature Graph"]
    assert "6 Conclusion and Future Work" in headings
    assert "References" not in headings
    intro = next(s for s in n18.fulltext["sections"] if s["heading"] == "1 Introduction")
    assert len(intro["text"].split()) > 200
    # the reference list is not body text
    assert not any("Frustratingly easy domain adaptation" in s["text"] for s in n18.fulltext["sections"])


def test_acl_paper_references(n18) -> None:
    refs = n18.fulltext["references"]
    assert len(refs) == 27  # as printed (GROBID agrees)
    first = refs[0]
    assert first["title"] == (
        "The ai2 system at semeval-2017 task 10 (scienceie): semi-supervised end-to-end entity and relation extraction"
    )
    assert first["authors"] == ["Waleed Ammar", "Matthew E. Peters", "Chandra Bhagavatula", "Russell Power"]
    assert first["year"] == 2017
    assert first["raw"].startswith("Waleed Ammar, Matthew E. Peters, Chandra Bhagavatula, and Russell Power. 2017.")
    daume = next(r for r in refs if r["raw"].startswith("Hal Daumé"))
    assert daume["title"] == "Frustratingly easy domain adaptation"  # hyphenated across lines, joined
    assert all(r["arxiv_id"] is None and r["doi"] is None for r in refs)  # none printed


def test_vancouver_references_with_dois(cmj) -> None:
    refs = cmj.fulltext["references"]
    assert len(refs) == 28
    assert refs[0]["authors"] == ["Hoitsma E", "Reulen JP", "de Baets M", "Drent M", "Spaans F", "Faber CG"]
    assert refs[0]["title"] == "Small fiber neuropathy: A common and important clinical disorder"
    assert refs[0]["year"] == 2004
    assert refs[0]["doi"] == "10.1016/j.jns.2004.08.012"
    # DOIs broken across lines ("10.1212/" + "WNL.45.10.1848.") come out whole
    assert refs[2]["doi"] == "10.1212/wnl.45.10.1848"
    assert refs[1]["doi"] == "10.1097/01.wco.0000093103.34793.5a"
    assert sum(1 for r in refs if r["doi"]) == 25
    assert cmj.paper.doi == "10.4103/0366-6999.209897"
    assert cmj.paper.title.startswith("Clinical Characteristics, Electrophysiology, and Skin Biopsy of 38")
    # names with non-breaking hyphens, no affiliation line taken for a name
    assert cmj.paper.authors == [
        "Bo Sun",
        "Li-Zhi Liu",
        "Yi-Fan Li",
        "Zhao-Hui Chen",
        "Li Ling",
        "Fei Yang",
        "Fang Cui",
        "Xu-Sheng Huang",
    ]


def test_revtex_preprint_id_and_unheaded_references(revtex) -> None:
    p = revtex.paper
    assert p.id == "0908.0054"  # from the file name
    assert p.year == 2009
    assert p.title == "Ultra light bosonic dark matter and CMB"
    assert p.authors == ["Ivan Rodriguez Montoya", "Tonatiuh Matos Chassin"]  # not "Centro de Investigación"
    # REVTeX prints the abstract without a heading: the prose paragraph under the title block
    assert p.abstract.startswith("In this work we report the cosmological effects that a species of Ultra Light")
    assert p.abstract.endswith("non-zero optical depth of Reionization.")
    assert revtex.fulltext["sections"][0]["heading"] == "Abstract"
    refs = revtex.fulltext["references"]
    assert len(refs) == 19
    assert refs[0]["arxiv_id"] == "astro-ph/0003365"
    assert refs[5]["arxiv_id"] == "hep-ph/9507385"
    assert (refs[11]["authors"], refs[11]["year"]) == (["Dodelson S"], 2003)


def test_arxiv_id_from_stamp(tmp_path: Path) -> None:
    """The arXiv side stamp ("arXiv:2206.10883v3 [cs.CL] ...") names the paper whatever the file name."""
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 80), "A Study of Stamped Preprints", fontsize=20)
    page.insert_text((72, 120), "Jane Doe, John Roe", fontsize=11)
    page.insert_text((72, 160), "Abstract", fontsize=11)
    for i in range(12):
        page.insert_text((72, 180 + 14 * i), "We study how preprints are stamped by the archive. " * 2, fontsize=9)
    page.insert_text((30, 700), "arXiv:2206.10883v3 [cs.CL] 22 Oct 2022", fontsize=10, rotate=90)
    path = tmp_path / "download (1).pdf"
    doc.save(path)
    item = read_pdf_file(path)
    assert item.error is None
    assert item.paper.id == "2206.10883"
    assert item.paper.title == "A Study of Stamped Preprints"
    assert item.paper.year == 2022
    assert item.paper.abstract.startswith("We study how preprints")


def test_same_file_same_id(n18) -> None:
    again = read_pdf_file(PDFS / "N18-3011.pdf")
    assert again.paper.id == n18.paper.id
    assert again.fulltext == n18.fulltext


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("empty.pdf", "empty file (0 bytes)"),
        ("truncated.pdf", "truncated PDF"),
        ("corrupt.pdf", "corrupt PDF"),
        ("not-a-pdf.pdf", "not a PDF"),
        ("encrypted.pdf", "encrypted PDF"),
        ("image-only.pdf", "no text layer"),
    ],
)
def test_bad_pdf_is_quarantined_with_reason(name: str, reason: str) -> None:
    item = read_pdf_file(BAD / name)
    assert item.paper is None
    assert item.error is not None and item.error.startswith(reason), item.error
    assert item.location == "file"


def test_mixed_directory_never_crashes(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    shutil.copytree(BAD, mixed / "bad")
    shutil.copy(PDFS / "N18-3011.pdf", mixed / "N18-3011.pdf")
    (mixed / "nested").mkdir()
    shutil.copy(PDFS / "0908.0054.pdf", mixed / "nested" / "0908.0054.pdf")
    items = list(read_pdf(mixed))
    assert len(items) == 8
    assert sorted(it.paper.id for it in items if it.paper) == ["0908.0054", "pdf:06a68561c540158b"]
    bad = {it.location: it.error for it in items if it.error}
    assert set(bad) == {
        f"bad/{n}"
        for n in (
            "corrupt.pdf",
            "empty.pdf",
            "encrypted.pdf",
            "image-only.pdf",
            "not-a-pdf.pdf",
            "truncated.pdf",
        )
    }

    # the same directory through the ingest verb: papers and citations stored, every bad file quarantined
    with open_catalog(tmp_path / "catalog.sqlite") as catalog:
        summary = ingest_paths(catalog, [mixed], progress=False)
        assert summary.new == 2 and summary.quarantined == 6 and summary.failed == ()
        reasons = {Path(q.source).name: q.reason for q in catalog.quarantined()}
        assert reasons["empty.pdf"] == "empty file (0 bytes)"
        assert reasons["encrypted.pdf"].startswith("encrypted PDF")
        assert catalog.stats()["citations"] == 27 + 19
        pk = catalog.paper_pk("pdf:06a68561c540158b")
        assert len(catalog.citations_of(pk)) == 27
        assert catalog.passages_of(pk)[0].section == "Abstract"


def test_pypdf_fallback_when_pymupdf_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where PyMuPDF cannot parse a file, pypdf's plain text still gives the paper and its references."""
    import paperkg.ingest.pdf as pdf

    def broken(data: bytes):
        raise RuntimeError("simulated PyMuPDF failure")

    monkeypatch.setattr(pdf, "_extract_pymupdf", broken)
    item = pdf.read_pdf_file(PDFS / "N18-3011.pdf")
    assert item.error is None
    assert item.paper.title == "Construction of the Literature Graph in Semantic Scholar"  # from metadata
    assert item.paper.abstract.startswith("We describe a deployed scalable system")
    refs = item.fulltext["references"]
    assert 27 <= len(refs) <= 30  # split by sentences without coordinates: close, not exact
    assert refs[0]["title"].startswith("The ai2 system at semeval-2017 task 10")
    revtex = pdf.read_pdf_file(PDFS / "0908.0054.pdf")
    assert [r["arxiv_id"] for r in revtex.fulltext["references"]][:2] == ["astro-ph/0003365", "gr-qc/9810028"]
