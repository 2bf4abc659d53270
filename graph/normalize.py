"""Entity normalization: fold a mention's surface text into the key of its canonical entity.

Folding: Unicode (NFKC, accents dropped), case, punctuation and hyphens; leading determiners dropped; the head
(last word) lemmatized with spaCy's English lookup table (`spacy-lookups-data`, no model download) so plurals
merge; acronyms recognised ("CNNs" -> "cnn") and paired with the long form a paper defines
("convolutional neural network (CNN)") by the Schwartz-Hearst rule.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache

_DETERMINERS = frozenset(
    [
        "the",
        "a",
        "an",
        "our",
        "their",
        "its",
        "this",
        "these",
        "those",
        "such",
        "his",
        "her",
        "your",
        "my",
        "we",
        "each",
        "every",
    ]
)
_PUNCT = re.compile(r"[^\w+#]+")  # keep + and # (C++, C#)
_ACRONYM = re.compile(r"^[A-Za-z][A-Za-z0-9\-]{1,11}$")
_PAREN_ACRONYM = re.compile(r"^(?P<long>.+?)\s*\(\s*(?P<short>[^()]{2,12})\s*\)\s*$")
# plural suffixes a lookup table may miss ("embeddings"); -ics, -ss, -us, -is words are left alone
_INVARIANT = frozenset(["series", "species", "means", "news", "bayes", "lens", "chaos", "corpus", "thesis"])
_PLURAL_FALLBACK = (
    ("ies", "y"),
    ("ings", "ing"),
    ("ers", "er"),
    ("ors", "or"),
    ("ions", "ion"),
    ("ments", "ment"),
    ("ures", "ure"),
    ("ates", "ate"),
)


@dataclass(frozen=True, slots=True)
class Normalized:
    """What a mention folds to. `key` is empty when nothing is left (e.g. only a determiner)."""

    key: str
    acronym: str | None = None  # the mention is itself an acronym: its folded form ("cnn")
    defines: tuple[str, str] | None = None  # the mention reads "long form (ACRO)": (acronym, long key)


@lru_cache(maxsize=1)
def _lemma_table() -> Mapping[str, str]:
    """spaCy's English lemma lookup table (keys are hashed strings, so look words up with `.get`)."""
    try:
        from spacy.lookups import load_lookups

        return load_lookups("en", ["lemma_lookup"]).get_table("lemma_lookup")
    except (ImportError, ValueError):  # spacy-lookups-data missing: fall back to the suffix rules only
        return {}


def fold(text: str) -> str:
    """Unicode, accent, case and punctuation folding; whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    return " ".join(_PUNCT.sub(" ", text.casefold()).replace("_", " ").split())


def singular(word: str) -> str:
    """Lemma of a plural noun head; words that are not plural are returned unchanged ("data", "learning")."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(("ss", "us", "is", "ics")) or word in _INVARIANT:
        return word
    lemma = _lemma_table().get(word)
    if lemma is not None:  # the table knows the word: trust it, even when it says "not a plural"
        return lemma if lemma.isalpha() else word
    for suffix, replacement in _PLURAL_FALLBACK:
        if word.endswith(suffix):
            return word[: -len(suffix)] + replacement
    if word[-2] not in "seiuy" and word[-2].isalpha():
        return word[:-1]
    return word


def is_acronym(surface: str) -> bool:
    """Short token with at least two capitals, mostly capitals: CNN, LSTMs, BiLSTM, GPT-2."""
    token = surface.strip()
    if not _ACRONYM.match(token):
        return False
    core = token[:-1] if token.endswith("s") and token[:-1].isupper() else token
    letters = [c for c in core if c.isalpha()]
    upper = sum(c.isupper() for c in letters)
    return upper >= 2 and upper * 2 >= len(letters)


def acronym_key(surface: str) -> str:
    token = surface.strip()
    if token.endswith("s") and token[:-1].isupper():
        token = token[:-1]
    return fold(token)


def phrase_key(surface: str) -> str:
    """Key of an ordinary phrase: folded, determiners dropped, head singularised."""
    words = fold(surface).split()
    while words and words[0] in _DETERMINERS:
        words = words[1:]
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return " ".join(words)


def long_form(short: str, candidate: str) -> str | None:
    """Schwartz & Hearst (2003): the shortest suffix of `candidate` whose letters spell `short` in order."""
    s = [c.lower() for c in short if c.isalnum()]
    text = candidate.lower()
    if len(s) < 2 or not s[0].isalpha():
        return None
    si, li = len(s) - 1, len(text) - 1
    while si >= 0:
        ch = s[si]
        if not ch.isalnum():
            si -= 1
            continue
        # the first letter of the acronym must start a word
        while li >= 0 and (text[li] != ch or (si == 0 and li > 0 and text[li - 1].isalnum())):
            li -= 1
        if li < 0:
            return None
        li -= 1
        si -= 1
    start = text.rfind(" ", 0, li + 1) + 1
    found = candidate[start:].strip()
    words = found.split()
    if not words or len(words) > min(len(s) + 5, len(s) * 2):
        return None
    return found


_EDGE_PUNCT = ",;:.!?\"'`"


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def clean_surface(surface: str) -> str:
    """A mention's text without the stray punctuation of a span boundary that cut a word or a bracket:
    "VLAs)" -> "VLAs", "(CNN" -> "CNN", "VLA-" -> "VLA", "models," -> "models". Notation is kept: "K-",
    "pi+", "f(z)", "gluon-(anti)quark"."""
    text = " ".join(surface.split())
    while True:
        before = text
        text = text.strip(_EDGE_PUNCT + " ")
        if text.endswith(")") and not _balanced(text):
            text = text[:-1]
        if text.startswith("(") and not _balanced(text):
            text = text[1:]
        if text.endswith(("(", "[")) or text.startswith((")", "]")):
            text = text[:-1] if text.endswith(("(", "[")) else text[1:]
        if text.endswith("-"):  # a word cut at a hyphen ("VLA-based" -> "VLA-"), not a charge ("K-", "pi-")
            word = text[:-1].split()[-1] if text[:-1].split() else ""
            if is_acronym(word) or (len(word) >= 4 and word.isalpha()):
                text = text[:-1]
        if text == before:
            return text


def is_list(surface: str) -> bool:
    """A span that covers a comma-separated list ("spatial grounding, scene reasoning"): several entities that
    the tagger joined, not one; commas inside brackets or formulas ("f(x, y)", "1,2-diol") do not count."""
    depth, dollar = 0, False
    for i, ch in enumerate(surface):
        if ch == "$":
            dollar = not dollar
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0 and not dollar and surface[i + 1 : i + 2] == " ":
            return True
    return False


def surface_forms(surface: str) -> list[str]:
    """How one mention reads as a name: cleaned, and "long form (ACRO)" split into the long form and the
    acronym (shown as "Large Hadron Collider", alias "LHC"). A list span gives none."""
    text = clean_surface(surface)
    if not text or is_list(text):
        return []
    if m := _PAREN_ACRONYM.match(text):
        short, long_text = m.group("short").strip(), m.group("long")
        if is_acronym(short) and (found := long_form(short, long_text)):
            return [found, short]
    return [text]


def normalize(surface: str) -> Normalized:
    """Fold one mention's text (cleaned of stray boundary punctuation; a list span folds to no key)."""
    text = clean_surface(surface)
    if is_list(text):
        return Normalized(key="")
    if m := _PAREN_ACRONYM.match(text):
        short, long_text = m.group("short"), m.group("long")
        if is_acronym(short) and (found := long_form(short, long_text)):
            key = phrase_key(found)
            if key:
                return Normalized(key=key, defines=(acronym_key(short), key))
    words = text.split()
    while len(words) > 1 and words[0].casefold() in _DETERMINERS:
        words = words[1:]
    if len(words) == 1 and is_acronym(words[0]):
        acro = acronym_key(words[0])
        return Normalized(key=acro, acronym=acro)
    return Normalized(key=phrase_key(text))


def definitions_in_text(text: str, mentions: list[tuple[int, int, str]]) -> list[tuple[str, str]]:
    """(acronym, long key) pairs a paper defines: a mention followed by "(ACRO)" whose letters it spells.

    `mentions` are (start, end, surface) with character offsets into `text`.
    """
    found: list[tuple[str, str]] = []
    for start, end, surface in mentions:
        norm = normalize(surface)
        if norm.defines:
            found.append(norm.defines)
            continue
        if norm.acronym:
            continue
        after = text[end : end + 16]
        m = re.match(r"\s*\(\s*([^()\s]{2,12})\s*[)\s,;]", after)
        if m and is_acronym(m.group(1)) and (lf := long_form(m.group(1), text[start:end])):
            key = phrase_key(lf)
            if key:
                found.append((acronym_key(m.group(1)), key))
    return list(dict.fromkeys(found))
