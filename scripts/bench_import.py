"""Import check on real references: a BibTeX file built from the reference lists of PDFs, imported into a catalog
holding some of the cited papers. Every entry carrying an arXiv id or DOI of a catalog paper must match that
paper; the rest are listed as unmatched (or matched by title, reported separately).

    .venv/bin/python scripts/bench_import.py [--pdfs ../shared/data/pdfs] [--records FILE ...] [--out DIR]

The catalog holds the PDFs themselves plus the records given (default: the bundled 2,100-record sample), so the
cited papers it holds are the PDFs citing one another and any sample paper cited. References come from
paperkg's own PDF reference parser and, for PDFs with one, from GROBID's TEI in `expected/` (independent of
paperkg). The BibTeX is written as a reference manager would (eprint + archivePrefix, doi, title, author,
year). Ground truth is looked up directly in the catalog by id and DOI, not through the matcher under test.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from lxml import etree
from paperkg.hostinfo import cpu_info  # the CPU the figures come from

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PDFS = ROOT.parent / "shared" / "data" / "pdfs"
DEFAULT_RECORDS = [ROOT / "data" / "sample" / "arxiv-sample.jsonl.gz"]
TEI = "{http://www.tei-c.org/ns/1.0}"


def tei_references(path: Path) -> list[dict]:
    """title, authors, year, arXiv id and DOI of each GROBID biblStruct."""
    from paperkg.ingest.references import find_arxiv_id, find_doi
    from paperkg.records import normalize_arxiv_id

    refs = []
    for bib in etree.parse(str(path)).iter(f"{TEI}biblStruct"):
        if bib.getparent() is None or bib.getparent().tag != f"{TEI}listBibl":
            continue
        title = bib.find(f"{TEI}analytic/{TEI}title")
        if title is None:
            title = bib.find(f"{TEI}monogr/{TEI}title")
        arxiv = doi = None
        for idno in bib.iter(f"{TEI}idno"):
            kind, text = (idno.get("type") or "").lower(), (idno.text or "").strip()
            if kind == "arxiv":
                arxiv = normalize_arxiv_id(text.removeprefix("arXiv:")) or find_arxiv_id(text)
            elif kind == "doi":
                doi = find_doi(text)
        authors = [
            " ".join(
                filter(None, [" ".join(f.text or "" for f in p.iter(f"{TEI}forename")), p.findtext(f"{TEI}surname")])
            )
            for p in bib.iter(f"{TEI}persName")
        ]
        when = next((d.get("when") for d in bib.iter(f"{TEI}date") if d.get("when")), None)
        refs.append(
            {
                "title": "".join(title.itertext()).strip() if title is not None else None,
                "authors": authors,
                "year": int(when[:4]) if when and when[:4].isdigit() else None,
                "arxiv_id": arxiv,
                "doi": doi,
            }
        )
    return refs


def to_bibtex(entries: list[tuple[str, dict]]) -> str:
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field
    from paperkg.bibexport import braced

    library = Library()
    for key, ref in entries:
        fields = [
            ("title", braced(ref["title"]) if ref.get("title") else None),
            ("author", " and ".join(braced(a) for a in ref.get("authors") or [] if a)),
            ("year", str(ref["year"]) if ref.get("year") else None),
            ("eprint", ref.get("arxiv_id")),
            ("archiveprefix", "arXiv" if ref.get("arxiv_id") else None),
            ("doi", ref.get("doi")),
        ]
        library.add(Entry("misc", key, [Field(k, v) for k, v in fields if v]))
    return write_string(library)


def add_cited_papers(catalog, entries: list[tuple[str, dict]]) -> int:
    """Every other distinct cited arXiv id / DOI becomes a catalog paper known by that id only: its title says
    nothing of the cited title, so only the id can match it (the catalog then holds "some of those papers")."""
    from paperkg.records import Paper

    ids = sorted({(r["arxiv_id"] or "", (r["doi"] or "").lower()) for _k, r in entries if r["arxiv_id"] or r["doi"]})
    papers, seen = [], set()
    for n, (arxiv, doi) in enumerate(ids[::2]):
        pid = arxiv or f"cited-doi-{n}"
        if pid in seen or (doi and doi in seen) or catalog.paper_pk(pid) is not None:
            continue
        seen.update({pid, doi} - {""})
        papers.append(
            Paper(id=pid, title=f"Catalog record {n} known by its identifier only", doi=doi or None, versions=["v1"])
        )
    with catalog.transaction():
        catalog.upsert_papers(papers)
    return len(papers)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdfs", type=Path, default=DEFAULT_PDFS)
    parser.add_argument("--records", type=Path, nargs="*", default=DEFAULT_RECORDS)
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "import")
    parser.add_argument("--json", action="store_true", help="print the summary as JSON")
    parser.add_argument(
        "--no-id-records",
        action="store_true",
        help="do not add every other cited arXiv id / DOI to the catalog as an id-only record",
    )
    args = parser.parse_args()

    from paperkg.bibimport import import_file, read_entries
    from paperkg.catalog import open_catalog
    from paperkg.pipeline import run_ingest
    from paperkg.settings import load_settings

    args.out.mkdir(parents=True, exist_ok=True)
    pdfs = sorted(args.pdfs.glob("*.pdf"))
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(Path(tmp), tagger=False)
        with open_catalog(settings.catalog_path) as catalog:
            run_ingest(
                catalog, settings, [*pdfs, *args.records], index=False, tagger=False, graph=False, progress=False
            )
            # the reference lists: paperkg's parse of every PDF, and GROBID's where expected/ has it
            entries: list[tuple[str, dict]] = []
            for pk, _h, paper in catalog.iter_papers():
                if paper.source != "pdf":
                    continue
                for c in catalog.citations_of(pk):
                    ref = {"title": c.title, "authors": c.authors, "year": c.year, "arxiv_id": c.arxiv_id, "doi": c.doi}
                    entries.append((f"{paper.id}-ref{c.position}".replace("/", "_"), ref))
            for tei in sorted((args.pdfs / "expected").glob("*.grobid.tei.xml")):
                stem = tei.name.removesuffix(".grobid.tei.xml")
                entries += [(f"grobid-{stem}-{i}", ref) for i, ref in enumerate(tei_references(tei), 1)]
            bib = args.out / "references.bib"
            bib.write_text(to_bibtex(entries), encoding="utf-8")
            added = 0 if args.no_id_records else add_cited_papers(catalog, entries)

            parsed, errors = read_entries(bib)
            truth = {}  # entry key -> catalog pk its arXiv id or DOI names (looked up directly)
            dois = catalog.paper_pks_by_doi([e.doi for e in parsed if e.doi])
            for e in parsed:
                pk = catalog.paper_pk(e.arxiv_id) if e.arxiv_id else None
                truth[e.key] = pk if pk is not None else dois.get(e.doi or "")
            with catalog.transaction():
                catalog.refresh_match_keys()
                got = {
                    e.key: catalog.match_reference(arxiv_id=e.arxiv_id, doi=e.doi, title=e.title, year=e.year)
                    for e in parsed
                }
            report = import_file(catalog, bib, "references")
            n_papers = catalog.count_papers()

    with_id = [e for e in parsed if e.arxiv_id or e.doi]
    id_in_catalog = [e for e in parsed if truth[e.key] is not None]
    right = [e for e in id_in_catalog if got[e.key] is not None and got[e.key][0] == truth[e.key]]
    missed = [e.key for e in id_in_catalog if e not in right]
    by_title = [e.key for e in parsed if truth[e.key] is None and got[e.key] is not None]
    summary = {
        "pdfs": len(pdfs),
        "catalog_papers": n_papers,
        "id_only_records_added": added,
        "entries": len(parsed),
        "parse_errors": len(errors),
        "entries_with_arxiv_or_doi": len(with_id),
        "entries_whose_id_is_in_catalog": len(id_in_catalog),
        "of_those_matched_to_that_paper": len(right),
        "missed": missed,
        "entries_without_catalog_id_matched_by_title": by_title,
        "import": {"matched": report.matched, "unmatched": len(report.unmatched), "by": report.by},
        "target_met": not missed and report.matched + len(report.unmatched) == len(parsed),
        "host": cpu_info().to_dict(),
    }
    print(cpu_info().describe(), file=sys.stderr)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(summary, indent=2))
    else:
        print(
            f"{summary['entries']} BibTeX entries from the references of {len(pdfs)} PDFs; catalog of {n_papers} "
            f"papers ({added} of them id-only records of cited papers)"
        )
        print(
            f"entries with an arXiv id or DOI: {len(with_id)}; whose id is a catalog paper: {len(id_in_catalog)}; "
            f"matched to that paper: {len(right)}"
        )
        print(
            f"import: {report.matched} matched ({report.by}), {len(report.unmatched)} listed unmatched; "
            f"matched by title without a catalog id: {len(by_title)} {by_title}"
        )
        print("target met" if summary["target_met"] else f"target NOT met: missed {missed}")
    return 0 if summary["target_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
