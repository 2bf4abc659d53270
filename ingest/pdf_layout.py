"""Text lines of a PDF with geometry and font, and the layout rules that find title, headings, sections."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from paperkg.records import clean_text


@dataclass(slots=True)
class Line:
    """One visual line. Geometry and font are None when the backend (pypdf) does not give them."""

    text: str
    page: int
    x0: float | None = None
    y0: float | None = None
    x1: float | None = None
    size: float | None = None
    bold: bool = False
    page_width: float | None = None

    @property
    def column(self) -> int:
        """0 for the left half of the page, 1 for the right: enough for one- and two-column papers."""
        if self.x0 is None or not self.page_width:
            return 0
        return int(self.x0 > self.page_width * 0.45)


# Headings known by name: a line that is just one of these (maybe numbered) is a heading without font cues.
_NAMED = (
    r"abstract|introduction|related work|background|preliminaries|methods?|methodology|approach|experiments?|"
    r"experimental setup|evaluation|results?|results and discussion|discussion|analysis|conclusions?|"
    r"conclusions? and future work|future work|limitations|ethics statement|ethical considerations|"
    r"acknowledge?ments?|references|bibliography|literature cited|works cited|appendix|appendices|"
    r"supplementary material|materials and methods|keywords|index terms|funding|declarations"
)
_NUMBER = r"(?:\d{1,2}(?:\.\d{1,2})*\.?|[IVX]{1,4}\.|[A-H](?:\.\d{1,2})*\.?)"
NAMED_HEADING = re.compile(rf"^(?:{_NUMBER}\s+)?(?:{_NAMED})\s*[.:]?$", re.IGNORECASE)
NUMBERED_HEADING = re.compile(rf"^{_NUMBER}\s+[A-Z][^\s]*(?:\s+\S+){{0,11}}$")
REFERENCES_HEADING = re.compile(
    rf"^(?:{_NUMBER}\s+)?(?:references|bibliography|literature cited|works cited|references and notes)\s*:?$",
    re.IGNORECASE,
)
APPENDIX_HEADING = re.compile(
    r"^(?:[A-H](?:\.\d+)?\.?\s+\S|appendix|appendices|supplementary|supplemental)", re.IGNORECASE
)
ABSTRACT_INLINE = re.compile(r"^\s*a\s?b\s?s\s?t\s?r\s?a\s?c\s?t\s*[.:—–-]\s*(\S.*)$", re.IGNORECASE)


def body_size(lines: list[Line]) -> float | None:
    """The font size carrying the most characters: the body text."""
    sizes: Counter[float] = Counter()
    for ln in lines:
        if ln.size:
            sizes[round(ln.size, 1)] += len(ln.text)
    return sizes.most_common(1)[0][0] if sizes else None


def drop_furniture(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove running heads, footers and page numbers: lines near the page edge repeated on many pages."""
    if len(pages) < 3:
        return [[ln for ln in page if not ln.text.strip().isdigit()] for page in pages]
    keys: Counter[str] = Counter()
    for page in pages:
        keys.update({_furniture_key(ln.text) for ln in page[:4] + page[-4:]})
    repeated = {k for k, n in keys.items() if n >= max(3, len(pages) // 3)}
    out = []
    for page in pages:
        edge = {id(ln) for ln in page[:4] + page[-4:]}
        out.append(
            [
                ln
                for ln in page
                if not ln.text.strip().isdigit() and not (id(ln) in edge and _furniture_key(ln.text) in repeated)
            ]
        )
    return out


def _furniture_key(text: str) -> str:
    return re.sub(r"\d+", "#", text.strip().lower())


def is_heading(ln: Line, body: float | None) -> bool:
    text = ln.text.strip()
    if not text or len(text) > 90:
        return False
    if NAMED_HEADING.match(text):
        return True
    if not NUMBERED_HEADING.match(text) or text.endswith((".", ",", ";")) and not re.match(r"^\d+\.\s", text):
        return False
    if re.search(r"\d\s*$", text) and not re.match(rf"^{_NUMBER}\s+\S+$", text):
        return False  # a table-of-contents line ("3 Method 4") or a row of numbers
    if ln.size is None:  # pypdf: no font cues, trust the numbered pattern
        return True
    larger = body is not None and ln.size > body + 0.4
    return ln.bold or larger


def find_title(first_page: list[Line], body: float | None) -> tuple[str, int]:
    """(title, index of the last title line) from font size: the largest text in the upper part of page 1."""
    candidates = [
        (i, ln)
        for i, ln in enumerate(first_page)
        if ln.size
        and ln.y0 is not None
        and len(re.sub(r"[^A-Za-z]", "", ln.text)) >= 3
        and not re.match(r"^(arxiv|preprint|journal|proceedings|vol\.|http)", ln.text.strip(), re.IGNORECASE)
    ]
    if not candidates:
        return "", -1
    top = max(ln.size or 0 for _, ln in candidates[:40])
    if body is not None and top <= body + 0.5:
        return "", -1
    start = next(i for i, ln in candidates if (ln.size or 0) >= top - 0.5)
    parts, last = [], start
    for i in range(start, min(start + 6, len(first_page))):
        ln = first_page[i]
        if ln.size is None or abs(ln.size - top) > 0.6:
            break
        parts.append(ln.text.strip())
        last = i
    return clean_text(" ".join(parts)), last


_AFFILIATION = re.compile(
    r"univ|institut|department|dept\.|school|college|laborator|\blab\b|research|center|centre|inc\.|corp|"
    r"company|hospital|faculty|academy|@|\bemail\b|https?:|www\.|street|\broad\b|allen|google|microsoft|"
    r"facebook|\bmeta\b|amazon|\bibm\b|\bai\b|united|states|kingdom|china|korea|germany|france|japan|"
    r"canada|india|\busa\b|\buk\b|abstract|introduction|keywords|correspond|equal contribution|centro",
    re.IGNORECASE,
)
_PARTICLES = {
    "van",
    "von",
    "der",
    "de",
    "den",
    "del",
    "della",
    "da",
    "di",
    "la",
    "le",
    "du",
    "dos",
    "bin",
    "al",
}
# anything that is not part of a Latin name separates names: affiliation marks (∗ † ♠ α 1), commas, brackets
_NOT_NAME = re.compile(r"[^A-Za-zÀ-ÖØ-öø-ɏ\s.'’\-]+|\s{3,}|\band\b")


def _name(piece: str) -> str | None:
    """The piece as a person's name (2-5 words: capitalized words, initials, particles), else None."""
    piece = clean_text(piece).strip(" .-")
    if piece.isupper() and len(piece) > 3:
        piece = piece.title()  # ACM prints "TAL AUGUST"
    words = piece.split()
    if not 2 <= len(words) <= 5:
        return None
    full = 0
    for w in words:
        if re.fullmatch(r"[A-ZÀ-Ö]\.(?:-?[A-Z]\.)?", w) or w in _PARTICLES:
            continue
        if not re.fullmatch(r"[A-ZÀ-ÖØ-Þ][A-Za-zÀ-ÖØ-öø-ɏ'’\-]*[a-zß-öø-ɏ][A-Za-zÀ-ÖØ-öø-ɏ'’\-]*", w):
            return None
        full += 1
    return piece if full >= 1 and (full >= 2 or len(words) >= 2) else None


def find_authors(first_page: list[Line], after: int, stop_at: int, body: float | None = None) -> list[str]:
    """Author names between title and abstract: name-shaped pieces that are not affiliations or addresses."""
    names: list[str] = []
    seen: set[str] = set()
    for ln in first_page[after + 1 : min(stop_at, after + 15)]:
        if is_heading(ln, body):
            break
        if len(ln.text) > 120 and ln.text.count(",") < 2:
            break  # running prose: the abstract began without a heading
        for piece in _NOT_NAME.split(re.sub(r"\([^)]*\)", " ", ln.text)):
            if _AFFILIATION.search(piece):
                continue
            if (name := _name(piece)) and name.lower() not in seen:
                seen.add(name.lower())
                names.append(name)
        if len(names) >= 40:
            break
    return names


def join_lines(texts: list[str]) -> str:
    """Join wrapped lines: undo end-of-line hyphenation, keep DOIs and URLs broken at a line end whole."""
    parts: list[str] = []
    for raw in texts:
        text = raw.strip().replace("\u2010", "-").replace("\u2011", "-").replace("\xad", "-")
        if not text:
            continue
        if not parts:
            parts.append(text)
            continue
        prev = parts[-1]
        last = prev.rsplit(None, 1)[-1]
        if last[-1] in "/._-" and re.search(r"(?:10\.\d{4,9}/|https?://|www\.)\S*$", last):
            parts[-1] = prev + text
        elif last[-1] == "-" and re.search(r"\b(?:astro|hep|cond|gr|math|nucl|quant|chao|solv|q)-$", last):
            parts[-1] = prev + text  # an old-style arXiv archive (astro-ph/0407532) broken at its hyphen
        elif len(last) > 1 and last[-1] == "-" and last[-2].islower() and text[0].islower():
            parts[-1] = prev[:-1] + text
        else:
            parts.append(text)
    return clean_text(" ".join(parts))
