"""Import of a BibTeX file built from the reference lists of real PDFs into a catalog holding some of the cited
papers: every entry whose arXiv id or DOI names a catalog paper matches that paper, a cited title matches its
paper however it is cased or punctuated, and every other entry is listed as unmatched."""

from __future__ import annotations

from pathlib import Path

from paperkg.bibimport import import_file, read_entries
from paperkg.catalog import open_catalog
from paperkg.records import Paper

BIB = Path(__file__).resolve().parents[1] / "fixtures" / "references" / "pdf-references.bib"


def test_pdf_references_import(tmp_path: Path) -> None:
    entries, errors = read_entries(BIB)
    assert len(entries) == 74 and errors == []
    cited = sorted({(e.arxiv_id or "", e.doi or "") for e in entries if e.arxiv_id or e.doi})
    assert len(cited) >= 30
    # the catalog holds every other cited paper, known by its identifier only (its title cannot match), and
    # two cited papers known by title only, written as a catalog would (case, punctuation, spelling), and one
    # uncited paper
    papers = [
        Paper(id=arxiv or f"cited-{n}", doi=doi or None, title=f"Catalog record {n} known by its id", versions=["v1"])
        for n, (arxiv, doi) in enumerate(cited[::2])
    ]
    papers += [
        Paper(id="title-1", title="GloVe - Global Vectors for Word Representation", versions=["v1"]),
        Paper(id="title-2", title="Distant Supervision for Relation Extraction without Labelled Data", versions=["v1"]),
        Paper(id="title-3", title="Long-term memory of a different kind in short texts", versions=["v1"]),
    ]
    with open_catalog(tmp_path / "catalog.sqlite") as cat:
        with cat.transaction():
            cat.upsert_papers(papers)
        held = {p.id: cat.paper_pk(p.id) for p in papers}
        by_doi = cat.paper_pks_by_doi([p.doi for p in papers if p.doi])
        truth = {}
        for e in entries:
            pk = held.get(e.arxiv_id or "") or by_doi.get(e.doi or "")
            truth[e.key] = pk
        with cat.transaction():
            cat.refresh_match_keys()
            got = {
                e.key: cat.match_reference(arxiv_id=e.arxiv_id, doi=e.doi, title=e.title, year=e.year) for e in entries
            }
        report = import_file(cat, BIB, "references")

    with_id = [k for k, pk in truth.items() if pk is not None]
    assert len(with_id) >= len(cited) // 2  # several entries can cite one paper
    assert all(got[k] is not None and got[k][0] == truth[k] for k in with_id)
    by_title = {k: got[k] for k in truth if truth[k] is None and got[k] is not None}
    assert sorted(pk for pk, how in by_title.values()) == sorted([held["title-1"], held["title-2"]])
    assert {how for _pk, how in by_title.values()} == {"title"}
    assert report.matched == len(with_id) + 2
    assert len(report.unmatched) == 74 - report.matched
    unmatched_keys = set(report.unmatched)
    assert not unmatched_keys & set(with_id) and not unmatched_keys & set(by_title)
