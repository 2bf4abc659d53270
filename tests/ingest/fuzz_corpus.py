"""Hostile JSON-lines corpus: good arXiv records (with changed duplicates and older versions) mixed with ~30
kinds of corrupted lines, plus what a correct ingest must end with. Used by tests and scripts/bench_fuzz.py."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field

INJECTIONS = [
    "'; DROP TABLE papers; --",
    '" OR 1=1 --',
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    "MATCH (n) DETACH DELETE n",
    "%s%s%n",
    "Robert'); DELETE FROM papers;--",
]


@dataclass
class Corpus:
    lines: list[bytes]
    expected: dict[str, tuple[str, str]]  # id -> (title, abstract) the catalog must hold at the end
    bad: dict[int, str] = field(default_factory=dict)  # 1-based line number -> kind of corruption
    good_lines: int = 0
    blank_lines: int = 0

    def write(self, path) -> None:  # noqa: ANN001
        with open(path, "wb") as fh:
            for line in self.lines:
                fh.write(line)


def _record(pid: str, version: int, title: str, abstract: str) -> dict:
    return {
        "id": pid,
        "submitter": "A. Tester",
        "authors": "Ada Lovelace and Alan Turing",
        "title": title,
        "comments": None,
        "journal-ref": None,
        "doi": None,
        "categories": "cs.IR cs.CL",
        "license": None,
        "abstract": abstract,
        "versions": [{"version": f"v{v}", "created": "Mon, 1 Jan 2024 00:00:00 GMT"} for v in range(1, version + 1)],
        "update_date": "2024-01-02",
        "authors_parsed": [["Lovelace", "Ada", ""], ["Turing", "Alan", ""]],
    }


def _line(obj: object, end: bytes = b"\n") -> bytes:
    return json.dumps(obj).encode() + end


def _deep(levels: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * levels + b"]" * levels + b"\n"
    return b'{"a":' * levels + b"1" + b"}" * levels + b"\n"


def _bad_lines(rng: random.Random, base: dict, big: int) -> list[tuple[str, bytes]]:
    """One corrupted line per kind, built from a good record; every one must be quarantined."""
    good = _line(base)
    cut = rng.randrange(10, len(good) - 10)
    flip_at = rng.randrange(1, len(good) - 2)

    def with_(**changes: object) -> bytes:
        return _line({**base, **changes})

    return [
        ("truncated", good[:cut] + b"\n"),
        ("byte flip to invalid UTF-8", good[:flip_at] + b"\xc3\x28" + good[flip_at + 1 :]),
        ("structural byte flip", good.replace(b":", b";", 1)),
        ("latin-1 text", good.replace(b"Tester", "Tést".encode("latin-1"))),
        ("id wrong type (int)", with_(id=12345)),
        ("id wrong type (list)", with_(id=["2401.00001"])),
        ("id missing", _line({k: v for k, v in base.items() if k != "id"})),
        ("title wrong type", with_(title=42)),
        ("title wrong type (dict)", with_(title={"t": "x"})),
        ("title missing/blank", with_(title="   ")),
        ("abstract wrong type", with_(abstract=["a", "b"])),
        ("authors wrong type", with_(authors=7, authors_parsed=None)),
        ("authors_parsed wrong shape", with_(authors_parsed=[[1, 2]])),
        ("categories wrong type", with_(categories={"cs": 1})),
        ("versions wrong type", with_(versions="v1")),
        ("versions entry wrong", with_(versions=[{"created": "x"}])),
        ("date unreadable", with_(update_date="yesterday-ish")),
        ("doi wrong type", with_(doi=3.5)),
        ("title 1 MB", with_(title="t" * big)),
        ("abstract 1 MB", with_(abstract="a " * (big // 2))),
        ("author name 1 MB", with_(authors="A" * big, authors_parsed=None)),
        ("NUL in title", with_(title="zero\u0000byte")),
        ("raw NUL byte", good.replace(b"Tester", b"Te\x00ster")),
        ("lone surrogate in title", with_(title="x\ud800y")),
        ("lone surrogate in abstract", with_(abstract="low \udc00 surrogate")),
        ("lone surrogate in id", with_(id="2401.\ud83d")),
        ("deep nesting 1,000 (list)", _deep(1_000, "list")),
        ("deep nesting 100,000 (object)", _deep(100_000, "object")),
        ("deep nesting inside a field", good.replace(b'"title": ', b'"title": ' + b"[" * 50_000, 1)),
        ("not an object", rng.choice([b"42\n", b'"text"\n', b"null\n", b"[1, 2]\n", b"true\n"])),
        ("integer of 5,000 digits", good.replace(b'"id": ', b'"id": ' + b"9" * 5000 + b', "x": ', 1)),
        ("NaN title", good.replace(b'"title": ', b'"title": NaN, "t0": ', 1)),
        ("trailing garbage", good[:-1] + b" xyz\n"),
        ("control character in id", with_(id="2401.0\x070001")),
        ("id over max length", with_(id="x" * 5000)),
    ]


def make_corpus(n_lines: int = 3000, bad_share: float = 1 / 3, *, seed: int = 14, big: int = 1 << 20) -> Corpus:
    """`n_lines` lines, about `bad_share` of them corrupted, the rest good records, duplicates and blanks."""
    rng = random.Random(seed)
    lines: list[bytes] = []
    corpus = Corpus(lines=lines, expected={})
    state: dict[str, tuple[int, str, str]] = {}  # id -> (version, title, abstract) after the latest write
    n_bad = int(n_lines * bad_share)
    kinds_cycle = 0
    issued = 0
    while len(lines) < n_lines:
        if len(lines) == 0 or rng.random() > bad_share or len(corpus.bad) >= n_bad:
            roll = rng.random()
            if state and roll < 0.12:  # a changed duplicate: newer version, new text
                pid = rng.choice(sorted(state))
                version = state[pid][0] + 1
                title, abstract = f"Revised study {pid} v{version}", f"Updated abstract of {pid}, version {version}."
            elif state and roll < 0.2:  # an older version after a newer one: must not overwrite
                pid = rng.choice(sorted(state))
                version = max(1, state[pid][0] - 1)
                if version == state[pid][0]:
                    continue
                title, abstract = f"Stale title {pid}", "An old abstract that must not win."
            elif roll < 0.22:
                lines.append(rng.choice([b"\n", b"   \n", b"\r\n"]))
                corpus.blank_lines += 1
                continue
            else:
                issued += 1
                pid = rng.choice(INJECTIONS) + f"-{issued}" if roll < 0.24 else f"2401.{issued:05d}"
                version = 1
                title = f"Study number {issued} of retrieval under noise"
                abstract = f"We measure case {issued}; results hold. Ünïcödé ∑ text stays."
            end = b"\r\n" if rng.random() < 0.1 else b"\n"
            raw = _line(_record(pid, version, title, abstract), end)
            if rng.random() < 0.05:
                raw = b"\xef\xbb\xbf" + raw  # a byte-order mark: accepted
            lines.append(raw)
            corpus.good_lines += 1
            if pid not in state or version >= state[pid][0]:
                state[pid] = (version, title, abstract)
        else:
            base = _record(f"2401.{rng.randrange(1, 99999):05d}", 1, "Bad record title", "Bad abstract.")
            options = _bad_lines(rng, base, big)
            kind, raw = options[kinds_cycle % len(options)]
            kinds_cycle += 1
            lines.append(raw)
            corpus.bad[len(lines)] = kind
    corpus.expected = {pid: (t, a) for pid, (_v, t, a) in state.items()}
    return corpus
