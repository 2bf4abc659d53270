"""Split a reference list into entries and parse each one: arXiv id, DOI, title, authors, year.

Why not a library: refextract (INSPIRE, the maintained reference extractor on PyPI) needs pdftotext,
pins pypdf below 7, takes 4-9 s per paper and splits author-year (ACL) entries line by line; GROBID and
CERMINE are Java services. Reference strings follow a handful of styles, so rules over the PDF layout
(numbered markers, hanging indents) and the string shape do the job here, measured by scripts/bench_pdf.py.
"""

from __future__ import annotations

import itertools
import re
from statistics import median
from typing import TYPE_CHECKING, Any

from paperkg.records import clean_text, normalize_arxiv_id

if TYPE_CHECKING:
    from paperkg.ingest.pdf_layout import Line

_NEW_ARXIV = r"(\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})(?:v\d+)?"
_OLD_ARXIV = (
    r"((?:astro-ph|cond-mat|gr-qc|hep-ex|hep-lat|hep-ph|hep-th|math-ph|nlin|nucl-ex|nucl-th|physics|quant-ph|"
    r"math|cs|q-bio|q-fin|stat|cmp-lg|chao-dyn|solv-int|patt-sol|adap-org|alg-geom|funct-an|q-alg|dg-ga)"
    r"(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?"
)
ARXIV_PATTERNS = [
    re.compile(rf"arxiv(?:\s+preprint)?\s*[:,]?\s*(?:arxiv\s*:)?\s*{_NEW_ARXIV}(?!\d)", re.IGNORECASE),
    re.compile(rf"arxiv\.org/(?:abs|pdf)/{_NEW_ARXIV}(?!\d)", re.IGNORECASE),
    re.compile(rf"\babs/{_NEW_ARXIV}(?!\d)"),  # CoRR, abs/1810.04805
    re.compile(rf"(?:arxiv\s*:\s*|arxiv\.org/(?:abs|pdf)/|\b){_OLD_ARXIV}(?!\d)", re.IGNORECASE),
]
DOI_PATTERN = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>{}|\\^`]+)", re.IGNORECASE)
_YEAR = re.compile(r"(?<![\w\-/.])((?:19[4-9]\d|20[0-4]\d))[a-z]?(?![\w\-/])")
_MARKER = re.compile(r"^\s*(?:\[(\d{1,3})\]|(\d{1,3})\.(?=\s)|\((\d{1,3})\)|(\d{1,3})(?=\s+[A-Z]))\s*")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)


def find_arxiv_ids(text: str) -> list[str]:
    """Canonical arXiv ids in a string, in order, without duplicates."""
    found: list[tuple[int, str]] = []
    for pattern in ARXIV_PATTERNS:
        for m in pattern.finditer(text):
            if (norm := normalize_arxiv_id(m.group(1))) and norm not in [f for _, f in found]:
                found.append((m.start(), norm))
    return [f for _, f in sorted(found)]


def find_arxiv_id(text: str) -> str | None:
    ids = find_arxiv_ids(text)
    return ids[0] if ids else None


def find_doi(text: str) -> str | None:
    """The first DOI in a string, lower-cased (DOIs are case-insensitive), trailing punctuation removed."""
    m = DOI_PATTERN.search(text)
    if not m:
        return None
    doi = m.group(1).rstrip(".,;:")
    while doi.endswith((")", "]")) and doi.count(doi[-1]) > doi.count("(" if doi[-1] == ")" else "["):
        doi = doi[:-1].rstrip(".,;:")
    return doi.lower() if len(doi) > 8 else None


# ---------------------------------------------------------------- splitting


def split_references(lines: list[Line]) -> list[str]:
    """Reference entries as strings: by numbered markers ([1], 1.) when the list has them, else by hanging
    indent
    (the first line of an entry starts left of its continuation lines), else by vertical gaps."""
    lines = [ln for ln in lines if ln.text.strip()]
    if not lines:
        return []
    groups = _split_numbered(lines)
    if groups is None and lines[0].x0 is not None:
        groups = _split_hanging(lines)
    if groups is None:
        groups = _split_sentences(lines)
    from paperkg.ingest.pdf_layout import join_lines

    entries = [join_lines([ln.text for ln in g]) for g in groups]
    return [e for e in entries if 15 <= len(e) <= 2000]


def _marker_number(text: str) -> int | None:
    m = _MARKER.match(text)
    if not m:
        return None
    return int(next(g for g in m.groups() if g is not None))


def _split_numbered(lines: list[Line]) -> list[list[Line]] | None:
    """Entries start at lines whose marker is the next number in sequence (1, 2, 3, ...)."""
    expected, starts = 1, []
    for i, ln in enumerate(lines):
        n = _marker_number(ln.text)
        if n is not None and (n == expected or (not starts and n <= 3)):
            starts.append(i)
            expected = n + 1
    if len(starts) < 3 or len(starts) < len(lines) / 12:
        return None
    bounds = [*starts, len(lines)]
    return [lines[a:b] for a, b in itertools.pairwise(bounds)]


def _split_hanging(lines: list[Line]) -> list[list[Line]] | None:
    """Per page column, lines at the column's left edge start entries; indented lines continue them."""
    edge: dict[tuple[int, int], float] = {}
    for ln in lines:
        key = (ln.page, ln.column)
        edge[key] = min(edge.get(key, 1e9), ln.x0 or 0)
    at_edge = [abs((ln.x0 or 0) - edge[(ln.page, ln.column)]) < 2.0 for ln in lines]
    share = sum(at_edge) / len(lines)
    if share > 0.85 or share < 0.08:
        return None  # no hanging indent (every line flush, or one entry)
    groups: list[list[Line]] = []
    for ln, starts in zip(lines, at_edge, strict=True):
        if starts or not groups:
            groups.append([ln])
        else:
            groups[-1].append(ln)
    return groups


def _split_sentences(lines: list[Line]) -> list[list[Line]]:
    """Without layout: a vertical gap larger than the usual line spacing, or a line ending an entry (a period)
    followed by one that starts like an author list, begins a new entry."""
    gaps = [
        b.y0 - a.y0
        for a, b in itertools.pairwise(lines)
        if a.y0 is not None and b.y0 is not None and a.page == b.page and 0 < b.y0 - a.y0 < 40
    ]
    usual = median(gaps) if gaps else None
    groups: list[list[Line]] = [[lines[0]]]
    for prev, ln in itertools.pairwise(lines):
        gap = (
            usual is not None
            and prev.y0 is not None
            and ln.y0 is not None
            and prev.page == ln.page
            and ln.y0 - prev.y0 > usual * 1.35
        )
        sentence = prev.text.rstrip().endswith(".") and re.match(r"^[A-Z][\w'’\-]+,?\s+(?:[A-Z]|and\b)", ln.text)
        if gap or (usual is None and sentence):
            groups.append([ln])
        else:
            groups[-1].append(ln)
    return groups


# ---------------------------------------------------------------- parsing


def parse_references(entries: list[str]) -> list[dict[str, Any]]:
    """Parsed references of a list of entries, entries holding several works split first."""
    return [ref for entry in entries for part in split_merged(entry) if (ref := parse_reference(part))]


def _id_spans(text: str) -> list[tuple[int, int, str]]:
    spans: list[tuple[int, int, str]] = []
    for pattern in ARXIV_PATTERNS:
        for m in pattern.finditer(text):
            if (norm := normalize_arxiv_id(m.group(1))) and not any(a <= m.start() < b for a, b, _ in spans):
                spans.append((m.start(), m.end(), f"arxiv:{norm}"))
    return sorted(spans)


def split_merged(entry: str) -> list[str]:
    """Physics lists merge works into one numbered entry ("[34] Li N, 2007 arXiv:0710.5073 Paranjape A, 2008
    arXiv:0806.3497"). An entry with several distinct arXiv ids, or several distinct DOIs, is cut after each
    id whose successor differs; an arXiv id plus a DOI is one work printed with both."""
    for spans in (
        _id_spans(entry),
        [(m.start(), m.end(), m.group(1).lower()) for m in DOI_PATTERN.finditer(entry)],
    ):
        if len({ident for _, _, ident in spans}) < 2:
            continue
        cuts = []
        for (_, end, ident), (_, _, following) in itertools.pairwise(spans):
            if ident != following:
                tail = re.match(r"[\])}\s]*", entry[end:])
                cuts.append(end + (tail.end() if tail else 0))
        bounds = [0, *cuts, len(entry)]
        parts = [entry[a:b].strip(" ;,.") for a, b in itertools.pairwise(bounds)]
        if all(len(p) >= 15 for p in parts):
            return parts
    return [entry]


def parse_reference(raw: str) -> dict[str, Any] | None:
    """{raw, arxiv_id, doi, title, authors, year} of one entry; None for a string that is no reference."""
    raw = clean_text(raw)
    text = _MARKER.sub("", raw, count=1).strip()
    if len(text) < 15 or not re.search(r"[A-Za-z]{3}", text):
        return None
    arxiv_ids = find_arxiv_ids(text)
    doi = find_doi(text)
    scrubbed = _URL.sub(" ", DOI_PATTERN.sub(" ", text))
    for pattern in ARXIV_PATTERNS:
        scrubbed = pattern.sub(" ", scrubbed)
    authors, title, year = _authors_title_year(scrubbed)
    return {
        "raw": raw,
        "arxiv_id": arxiv_ids[0] if arxiv_ids else None,
        "doi": doi,
        "title": title,
        "authors": authors,
        "year": year,
    }


def _pick_year(text: str) -> re.Match[str] | None:
    years = list(_YEAR.finditer(text))
    if not years:
        return None
    for m in years:  # a year standing as its own field: "(2019)", ". 2019.", ", 2019;" ...
        after = text[m.end() : m.end() + 2]
        before = text[max(0, m.start() - 2) : m.start()]
        if re.match(r"^[a-z]?[.);,:\]]", after) or before.endswith(("(", ". ", ", ")):
            return m
    return years[0]


def _authors_title_year(text: str) -> tuple[list[str], str | None, int | None]:
    year_m = _pick_year(text)
    year = int(year_m.group(1)) if year_m else None

    # IEEE and others quote the title: A. Author and B. Author, "Title," in Venue, 2019.
    if q := re.search(r"[“\"](.{8,300}?)[,.]?[”\"]", text):
        return _split_authors(text[: q.start()]), _tidy_title(q.group(1)), year

    # an author list ending at a sentence end: Vancouver (Surname AB, Surname C. Title. Journal 2004;227:1-3),
    # ACL/ACM (Authors. 2019. Title. Venue.), numbered ML styles (Authors. Title. Venue, 2019.), Springer
    # (Authors (2019) Title.) and physics styles without titles (Authors, 2007 Phys. Rev. Lett. 99 251101)
    if (end := _author_list_end(text)) is not None:
        return _split_authors(text[:end]), _after_authors(text, end, year_m), year

    # APA and other author-year lists the scanner does not take: the year delimits the authors
    delimited = year_m is not None and re.search(r"(?:\.|\(|,\s\()\s*$", text[: year_m.start()]) is not None
    if year_m and (year_m.start() < len(text) * 0.6 or delimited):
        head = text[: year_m.start()].rstrip(" (.,[")
        tail = text[year_m.end() :].lstrip("abcdefgh").lstrip(" ).,:;]")
        if not head or _looks_like_authors(head):
            return _split_authors(head), _first_sentence(tail), year
    return [], _first_sentence(text), year


def _after_authors(text: str, end: int, year_m: re.Match[str] | None) -> str | None:
    """The title following an author list; None when the venue comes first (physics styles)."""
    if year_m and year_m.start() >= end and not text[end : year_m.start()].strip(" .,:("):
        after = text[year_m.end() :].lstrip("abcdefgh")
        if after[:1] in ").:":  # "2018. Title", "(2021) Title", "(2019). Title"
            return _first_sentence(after.lstrip(" ).:,"))
        return None  # physics: Authors, 2007 Phys. Rev. Lett. 99 251101
    return _first_sentence(text[end:].lstrip(" .,:"))


_PARTICLE = r"(?:van|von|der|de|den|del|della|da|di|la|le|du|dos|st\.?)"
_UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"  # Latin capitals with accents ("Gallego JÁ", "Łukasz")
_SURNAME = rf"(?:[{_UPPER}][\w'’\-]+\s+)?(?:{_PARTICLE}\s+)*[{_UPPER}][\w'’\-]+"
# "Hoitsma E", "Reulen JP", "Wiltshire D L", "Kolb E. W.", "Van der Linden ML"
_PERSON_VANCOUVER = re.compile(
    rf"^{_SURNAME}\s+(?:[{_UPPER}]{{1,3}}(?:[\s-][{_UPPER}]){{0,2}}|[{_UPPER}]\.(?:\s?-?[{_UPPER}]\.){{0,2}})$"
)
# "Sanjeev Arora", "N. D. Lawrence", "Michael J. Bommarito II", "Madeleine van Zuylen"
_PERSON_WESTERN = re.compile(
    rf"^(?:(?:[A-Z][\w'’\-]*\.?|[A-Z]\.-?[A-Z]\.)\s+){{1,4}}(?:{_PARTICLE}\s+)*[A-Z][\w'’\-]*[a-z][\w'’\-]*"
    r"(?:,?\s+(?:Jr\.?|Sr\.?|II|III|IV))?$"
)
# halves of APA names ("Smith", "J. A.") and "et al."
_PERSON_PART = re.compile(r"^(?:[A-Z][\w'’\-]+|(?:[A-Z]\.\s?-?){1,3}|et\.?\s+al\.?|others)$")
_LIST_SEP = re.compile(r",\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*|;\s*")
_LIST_END = re.compile(r"\.(?=\s+[A-Z0-9\"“‘(\[])|,(?=\s+(?:19|20)\d\d\b)")
_NAME_GOES_ON = re.compile(r"\s+(?:[A-Z]\.\s+)*[A-Z][\w'’\-]+(?:,\s|\s+and\s+[A-Z]|\.\s+\d{4})")


def _author_list_end(text: str) -> int | None:
    """End of a leading author list: the first sentence end (not an initial's period) before which every
    comma/and-separated piece is a person. A scan over candidate ends, not one big regex (which backtracks
    exponentially on long author lists)."""
    for m in _LIST_END.finditer(text, 0, 700):
        end = m.end() if m.group(0) == "." else m.start()
        if _NAME_GOES_ON.match(text, end):
            continue  # "Anant K." of "Anant K. Agarwal, Ivan Zaitsev"
        if _is_author_list(text[:end]):
            return end
    return None


def _is_author_list(head: str) -> bool:
    pieces = _LIST_SEP.split(head.strip().rstrip(".,"))
    chunks = [c for c in (re.sub(r"\s+et\.?\s+al\.?$", "", p.strip()) for p in pieces) if c]
    if not chunks or any(len(c) > 60 for c in chunks):
        return False
    people = 0
    for chunk in chunks:
        if _PERSON_VANCOUVER.match(chunk) or _PERSON_WESTERN.match(chunk):
            people += 1
        elif not _PERSON_PART.match(chunk):
            return False
    return people > 0


def _looks_like_authors(head: str) -> bool:
    if not head or len(head) > 700:
        return False
    words = head.split()
    caps = sum(1 for w in words if w[:1].isupper() or w in {"and", "&", "et", "al.", "al", "van", "de", "von"})
    return caps >= 0.7 * len(words) and not re.search(r"\b(?:In|Proceedings|Journal|pp)\b", head)


def _first_sentence(text: str) -> str | None:
    """Up to the first sentence end that is not an initial or an abbreviation."""
    text = text.strip()
    if not text:
        return None
    for m in re.finditer(r"[.?!](?=\s+\S|$)", text):
        before = text[: m.start()]
        last = before.rsplit(None, 1)[-1] if before.split() else ""
        if re.fullmatch(r"[A-Z]|e\.g|i\.e|vs|al|Vol|no|St|Dr|Jr|Inc|Fig|Eq", last):
            continue
        if m.group(0) in "?!":
            return _tidy_title(text[: m.end()])
        return _tidy_title(before)
    return _tidy_title(text)


_JOURNAL_ABBREV = re.compile(
    r"^(?:Phys|Astrophys|Astron|ApJ|JCAP|Class|Nucl|Mon|Ann|Proc|Rev|Lett|Gen|Int|Nature \d|Science \d)\b"
)


def _tidy_title(title: str | None) -> str | None:
    """The title, or None for what only looks like one (a journal abbreviation, volume and pages)."""
    if not title:
        return None
    title = re.sub(r"[\[(]\s*[\])]", " ", title)  # brackets left empty where an id was removed
    title = " ".join(title.split()).strip(" .,;:\"“”'‘’")
    title = re.sub(r"^(?:In\s+)", "", title)
    if len(title) < 6 or len(title.split()) < 2 and len(title) < 12 or not re.search(r"[A-Za-z]{3}", title):
        return None
    digits = sum(c.isdigit() for c in title)
    if digits > 0.15 * len(title) or _JOURNAL_ABBREV.match(title):
        return None
    return title[:400]


def _split_authors(head: str) -> list[str]:
    head = clean_text(head).strip(" .,;:(")
    if not head:
        return []
    head = re.sub(r",?\s+et\s+al\.?$", "", head)
    parts = [p.strip() for p in re.split(r",\s+and\s+|\s+and\s+|\s*&\s*|;\s*|,\s*", head) if p.strip()]
    # "Lastname, F." (APA): a surname piece followed by an initials piece is one person
    merged: list[str] = []
    for p in parts:
        if merged and re.fullmatch(r"(?:[A-Z]\.?\s?-?){1,3}", p) and " " not in merged[-1]:
            merged[-1] = f"{p} {merged[-1]}"
        else:
            merged.append(p)
    return [m for m in merged if 2 <= len(m) <= 60 and re.search(r"[A-Za-z]{2}", m)][:100]
