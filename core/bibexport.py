"""Export papers for reference managers: BibTeX (bibtexparser), RIS (rispy) and CSV, with arXiv id, DOI,
authors, year and URL. What these write, `bibimport` reads back to the same papers."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from typing import Literal

from paperkg.errors import BadInput
from paperkg.feed import paper_url
from paperkg.records import Paper, normalize_arxiv_id

ExportFormat = Literal["bibtex", "ris", "csv"]
EXPORT_FORMATS = ("bibtex", "ris", "csv")
MEDIA_TYPES = {
    "bibtex": "application/x-bibtex; charset=utf-8",
    "ris": "application/x-research-info-systems; charset=utf-8",
    "csv": "text/csv; charset=utf-8",
}
SUFFIXES = {"bibtex": ".bib", "ris": ".ris", "csv": ".csv"}
CSV_COLUMNS = ("key", "id", "arxiv_id", "doi", "title", "authors", "year", "url", "categories", "journal_ref")


def export(papers: Iterable[Paper], fmt: ExportFormat) -> str:
    papers = list(papers)
    if fmt == "bibtex":
        return to_bibtex(papers)
    if fmt == "ris":
        return to_ris(papers)
    if fmt == "csv":
        return to_csv(papers)
    raise BadInput(f"format must be one of {', '.join(EXPORT_FORMATS)}, not {fmt!r}")


def citation_keys(papers: list[Paper]) -> list[str]:
    """Keys as reference managers make them: first author's surname, year, first title word; a, b... on clashes."""
    base = []
    for p in papers:
        surname = p.authors[0].split()[-1] if p.authors and p.authors[0].split() else "anon"
        word = next((w for w in re.findall(r"[A-Za-z]+", p.title) if len(w) > 3), "paper")
        base.append(_ascii(surname).lower() + str(p.year or "") + _ascii(word).lower())
    seen: dict[str, int] = {}
    keys = []
    for b in base:
        n = seen.get(b, 0)
        seen[b] = n + 1
        keys.append(b if n == 0 else f"{b}{chr(ord('a') + n - 1) if n <= 26 else n}")
    return keys


def _ascii(text: str) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]", "", text) or "x"


def braced(text: str) -> str:
    """A value safe inside BibTeX braces: unbalanced braces would end the field early, so they are dropped."""
    depth, out = 0, []
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            if depth == 0:
                continue
            depth -= 1
        out.append(c)
    value = "".join(out) + "}" * depth
    # LaTeX reads a bare % as a comment and & # as alignment/parameters: escape them as Zotero does
    value = re.sub(r"(?<!\\)([%&#])", r"\\\1", value)
    return " ".join(value.split())


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def to_bibtex(papers: list[Paper]) -> str:
    from bibtexparser import Library, write_string
    from bibtexparser.model import Entry, Field

    library = Library()
    for key, p in zip(citation_keys(papers), papers, strict=True):
        arxiv = normalize_arxiv_id(p.id)
        fields = [
            ("title", "{" + braced(p.title) + "}"),  # double braces keep the title's capitals in BibTeX styles
            ("author", " and ".join(braced(a) for a in p.authors)),
            ("year", str(p.year) if p.year else None),
            ("eprint", arxiv),
            ("archiveprefix", "arXiv" if arxiv else None),
            ("primaryclass", p.categories[0] if arxiv and p.categories else None),
            ("doi", p.doi),
            ("url", paper_url(p)),
            ("journal", braced(p.journal_ref) if p.journal_ref else None),
            ("note", None if arxiv else f"paperkg id: {braced(p.id)}"),
        ]
        entry_type = "article" if (p.journal_ref or arxiv) else "misc"
        library.add(Entry(entry_type, key, [Field(k, v) for k, v in fields if v]))
    return write_string(library)


def _plain_ris_writer() -> type:
    import rispy

    class PlainRisWriter(rispy.RisWriter):
        """RIS as Zotero and Mendeley write it: no "1." counter line before each record."""

        def set_header(self, count: int) -> str:
            return ""

    return PlainRisWriter


def to_ris(papers: list[Paper]) -> str:
    import rispy

    _PlainRisWriter = _plain_ris_writer()  # noqa: N806 (a class)

    records = []
    for key, p in zip(citation_keys(papers), papers, strict=True):
        arxiv = normalize_arxiv_id(p.id)
        record = {
            "type_of_reference": "JOUR" if p.journal_ref else "GEN",
            "id": key,
            "title": " ".join(p.title.split()),
            "authors": list(p.authors),
            "year": str(p.year) if p.year else None,
            "doi": p.doi,
            "urls": [u for u in (paper_url(p),) if u],
            "journal_name": p.journal_ref,
            "notes": [f"arXiv:{arxiv}" if arxiv else f"paperkg id: {p.id}"],
            "keywords": list(p.categories),
        }
        records.append({k: v for k, v in record.items() if v})
    return rispy.dumps(records, implementation=_PlainRisWriter)


def to_csv(papers: list[Paper]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for key, p in zip(citation_keys(papers), papers, strict=True):
        writer.writerow(
            [
                key,
                _cell(p.id),
                normalize_arxiv_id(p.id) or "",
                _cell(p.doi or ""),
                _cell(" ".join(p.title.split())),
                _cell("; ".join(p.authors)),
                p.year or "",
                paper_url(p) or "",
                " ".join(p.categories),
                _cell(p.journal_ref or ""),
            ]
        )
    return out.getvalue()
