"""SciERC documents: reading the DyGIE/PURE JSON lines format into sentence-local spans, and back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from paperkg.errors import BadInput

ENTITY_TYPES = ("Task", "Method", "Metric", "Material", "OtherScientificTerm", "Generic")
RELATION_TYPES = (
    "USED-FOR",
    "FEATURE-OF",
    "HYPONYM-OF",
    "PART-OF",
    "COMPARE",
    "CONJUNCTION",
    "EVALUATE-FOR",
)
# PTB bracket escapes in SciERC; raw text at inference time has the real characters
_PTB = {"-LRB-": "(", "-RRB-": ")", "-LSB-": "[", "-RSB-": "]", "-LCB-": "{", "-RCB-": "}"}

Span = tuple[int, int]  # sentence-local word offsets, inclusive end
Entity = tuple[int, int, str]  # (start, end, type)
Relation = tuple[int, int, int, int, str]  # (head start, head end, tail start, tail end, type)


@dataclass(slots=True)
class Sentence:
    words: list[str]
    entities: list[Entity] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)


@dataclass(slots=True)
class Document:
    key: str
    sentences: list[Sentence]

    @property
    def words(self) -> list[str]:
        return [w for s in self.sentences for w in s.words]


def normalize_word(word: str) -> str:
    return _PTB.get(word, word)


def parse_document(record: dict) -> Document:
    """One SciERC JSON record with document-level offsets into sentences with local offsets."""
    try:
        sentences_raw = record["sentences"]
        ner = record.get("ner") or [[] for _ in sentences_raw]
        rels = record.get("relations") or [[] for _ in sentences_raw]
    except (KeyError, TypeError) as exc:
        raise BadInput(f"not a SciERC record: missing {exc}") from exc
    sentences, offset = [], 0
    for i, words in enumerate(sentences_raw):
        ents = [(int(s) - offset, int(e) - offset, str(t)) for s, e, t in ner[i]]
        rel = [
            (int(a) - offset, int(b) - offset, int(c) - offset, int(d) - offset, str(t)) for a, b, c, d, t in rels[i]
        ]
        sentences.append(Sentence([normalize_word(w) for w in words], ents, rel))
        offset += len(words)
    return Document(str(record.get("doc_key", "")), sentences)


def read_scierc(path: Path | str) -> list[Document]:
    path = Path(path)
    if not path.is_file():
        raise BadInput(f"no such file: {path}")
    docs = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            docs.append(parse_document(json.loads(line)))
        except json.JSONDecodeError as exc:
            raise BadInput(f"{path}:{n}: not JSON ({exc.msg})") from exc
    return docs


def default_data_dir() -> Path:
    """The SciERC copy kept in the repository (data/scierc), found from this file's location."""
    return Path(__file__).resolve().parents[2] / "data" / "scierc"
