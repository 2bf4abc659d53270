"""Import a BibTeX or RIS file (as Zotero, Mendeley or paperkg export it) into a collection, matching each
entry to a catalog paper by arXiv id, then DOI, then fuzzy title, and reporting the entries that did not match."""

from __future__ import annotations

import logging
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from paperkg.catalog import Catalog
from paperkg.errors import BadInput, CollectionNotFound
from paperkg.records import normalize_arxiv_id

ImportFormat = Literal["bibtex", "ris"]
# arXiv's own DOIs (10.48550/arXiv.2101.00001), which Zotero writes for arXiv preprints
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.([\w.\-/]+)", re.IGNORECASE)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
# fields never searched for ids: an abstract or a title may mention other papers
_NOT_SEARCHED = {"abstract", "title", "primary_title", "keywords", "file", "file_attachments1", "author", "authors"}


@dataclass(slots=True)
class BibEntry:
    key: str | None
    title: str | None
    arxiv_id: str | None = None
    doi: str | None = None
    year: int | None = None
    authors: list[str] = field(default_factory=list)
    line: int | None = None  # where the entry starts in the file (1-based)

    @property
    def label(self) -> str:
        return self.key or self.title or f"entry at line {self.line}"


@dataclass(slots=True)
class ImportReport:
    collection: str
    created: bool  # the collection was made by this import
    entries: int
    matched: int
    added: int  # matched papers new to the collection
    by: dict[str, int]  # matches by arXiv id, DOI, title
    unmatched: list[str]  # entry keys, or titles where an entry has no key
    unmatched_entries: list[dict[str, Any]]
    errors: list[str]  # entries the parser could not read, with their line

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# --- reading ---------------------------------------------------------------------------------------------
def detect_format(path: Path, text: str) -> ImportFormat:
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        return "bibtex"
    if suffix in (".ris", ".nbib"):
        return "ris"
    if re.search(r"^\s*TY  - ", text, flags=re.MULTILINE):
        return "ris"
    if re.search(r"^\s*@\w+\s*[{(]", text, flags=re.MULTILINE):
        return "bibtex"
    raise BadInput(f"{path}: neither BibTeX (@article{{...}}) nor RIS (TY  - ...) entries found")


def read_entries(path: Path, fmt: ImportFormat | None = None) -> tuple[list[BibEntry], list[str]]:
    """(entries, errors) of a BibTeX or RIS file; errors name the file and line of what could not be read."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise BadInput(f"{path}: line {line}: not UTF-8 text (byte {exc.start})") from None
    fmt = fmt or detect_format(path, text)
    return _read_bibtex(path, text) if fmt == "bibtex" else _read_ris(path, text)


def _read_bibtex(path: Path, text: str) -> tuple[list[BibEntry], list[str]]:
    import bibtexparser
    from bibtexparser.middlewares import LatexDecodingMiddleware

    # bibtexparser also logs each unreadable block; our report names them (file, line, reason) instead
    logging.getLogger("bibtexparser").setLevel(logging.ERROR)
    library = bibtexparser.parse_string(text, append_middleware=[LatexDecodingMiddleware()])
    errors = [f"{path}: line {b.start_line + 1}: {_block_error(b)}" for b in library.failed_blocks]
    entries = []
    for e in library.entries:
        fields = {f.key.lower(): _flat(f.value) for f in e.fields}
        entries.append(
            _entry(e.key, fields.get("title"), fields, _bib_authors(fields.get("author", "")), e.start_line + 1)
        )
    return entries, errors


def _block_error(block: Any) -> str:
    """Why bibtexparser could not read a block, in words, with the block's first line."""
    error = getattr(block, "error", None)
    reason = str(error) if error is not None and str(error) else type(error or block).__name__
    reason = {"BlockAbortedException": "entry not closed (a missing brace?)"}.get(reason, reason)
    first = (getattr(block, "raw", "") or "").strip().splitlines()[:1]
    return f"{reason}: {first[0][:80]}" if first else reason


def _read_ris(path: Path, text: str) -> tuple[list[BibEntry], list[str]]:
    import rispy

    try:
        records = rispy.loads(text, skip_unknown_tags=True)
    except (OSError, ValueError, KeyError, IndexError) as exc:  # rispy raises IOError on a broken structure
        raise BadInput(f"{path}: not a readable RIS file: {exc}") from None
    starts = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("TY  -")]
    entries = []
    for i, r in enumerate(records):
        fields = {k: _flat(v) for k, v in r.items()}
        title = fields.get("title") or fields.get("primary_title") or fields.get("translated_title")
        authors = list(r.get("authors") or r.get("first_authors") or [])
        line = starts[i] if i < len(starts) else None
        entries.append(_entry(fields.get("id") or None, title, fields, authors, line))
    return entries, []


def _flat(value: Any) -> str:
    if isinstance(value, list | tuple):
        return " ".join(_flat(v) for v in value)
    return " ".join(str(value).replace("{", "").replace("}", "").split())


def _bib_authors(value: str) -> list[str]:
    return [a.strip() for a in re.split(r"\s+and\s+", value) if a.strip()] if value else []


def _entry(
    key: str | None, title: str | None, fields: dict[str, str], authors: list[str], line: int | None
) -> BibEntry:
    from paperkg.ingest.references import find_arxiv_id, find_doi

    arxiv = None
    # explicit e-print fields first (BibTeX eprint + archivePrefix / biblatex eprinttype; Mendeley arxivId)
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").lower()
    if fields.get("eprint") and prefix in ("", "arxiv"):
        arxiv = normalize_arxiv_id(fields["eprint"].removeprefix("arXiv:").removeprefix("arxiv:"))
    arxiv = arxiv or normalize_arxiv_id(fields.get("arxivid", "") or "-")
    doi_field = fields.get("doi", "")
    if arxiv is None and (m := _ARXIV_DOI.search(doi_field)):
        arxiv = normalize_arxiv_id(m.group(1))
    searched = " ".join(v for k, v in sorted(fields.items()) if k not in _NOT_SEARCHED)
    if arxiv is None:  # URL, note, journal ("arXiv preprint arXiv:..."), howpublished, RIS N1/M1/UR
        arxiv = find_arxiv_id(searched) or (
            normalize_arxiv_id(m.group(1)) if (m := _ARXIV_DOI.search(searched)) else None
        )
    doi = find_doi(doi_field) if doi_field else None
    doi = doi or find_doi(searched)
    if doi and _ARXIV_DOI.match(doi):
        doi = None  # arXiv's DOI says no more than its id
    year_text = fields.get("year") or fields.get("date") or fields.get("publication_year") or ""
    year = int(m.group(1)) if (m := _YEAR.search(year_text)) else None
    return BibEntry(key=key, title=title or None, arxiv_id=arxiv, doi=doi, year=year, authors=authors, line=line)


# --- matching --------------------------------------------------------------------------------------------
def import_file(
    catalog: Catalog, path: Path, collection: str, *, fmt: ImportFormat | None = None, create: bool = True
) -> ImportReport:
    """Match every entry of the file to a catalog paper and add the matched papers to the collection
    (created when missing unless `create` is False). Nothing is written when the file cannot be read."""
    entries, errors = read_entries(Path(path), fmt)
    with catalog.transaction():
        created = False
        try:
            info = catalog.collection(collection)
        except CollectionNotFound:
            if not create:
                raise
            info, created = catalog.create_collection(collection), True
        before = {pk for pk, *_ in catalog.collection_members(info.id).papers}
        catalog.refresh_match_keys()
        matched_pks: list[int] = []
        by = {"arxiv": 0, "doi": 0, "title": 0}
        unmatched: list[BibEntry] = []
        for entry in entries:
            hit = catalog.match_reference(arxiv_id=entry.arxiv_id, doi=entry.doi, title=entry.title, year=entry.year)
            if hit is None:
                unmatched.append(entry)
                continue
            pk, how = hit
            by[how] += 1
            if pk not in matched_pks:
                matched_pks.append(pk)
        ids = [pid for pid, _title in (catalog.paper_titles(matched_pks)[pk] for pk in matched_pks)]
        if ids:
            catalog.set_collection_state(info.id, ids, "member")
    return ImportReport(
        collection=info.name,
        created=created,
        entries=len(entries),
        matched=len(entries) - len(unmatched),
        added=len(set(matched_pks) - before),
        by=by,
        unmatched=[e.label for e in unmatched],
        unmatched_entries=[{k: v for k, v in asdict(e).items() if v} for e in unmatched],
        errors=errors,
    )
