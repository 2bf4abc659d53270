"""The arXiv abstracts benchmark set for category prediction: loading, de-duplication, cached embeddings."""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

DEFAULT_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "arxiv" / "abstracts"
DEFAULT_CACHE = Path("/work/cache/topics-bench")


@dataclass(frozen=True, slots=True)
class Labelled:
    key: str  # arXiv id without version, else the folded title
    title: str
    abstract: str
    primary: str  # arXiv lists the primary category first

    @property
    def text(self) -> str:
        # the same text the dense index embeds (Paper.text)
        return f"{self.title}. {self.abstract}".strip() if self.abstract else self.title


def _fold(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", title.lower()).strip()


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _first(cats: str | list[str]) -> str:
    if isinstance(cats, list):
        return cats[0].strip() if cats else ""
    cats = cats.strip().strip("[]")
    parts = [c.strip(" '\"") for c in re.split(r"[,\s]+", cats) if c.strip(" '\"")]
    return parts[0] if parts else ""


def _records(root: Path):  # noqa: ANN202 - yields (id or "", title, abstract, primary)
    for path in sorted(root.rglob("*")):
        if path.suffix == ".csv":
            with path.open(newline="", encoding="utf-8") as fh:
                for row in csv.DictReader(fh):
                    if "titles" in row:  # tiagoft: titles, summaries, terms
                        yield "", row["titles"], row["summaries"], _first(row["terms"])
                    else:  # Kaggle snapshot columns
                        yield row["id"], row["title"], row["abstract"], _first(row["categories"])
        elif path.name.endswith(".json.gz"):
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                for rec in json.load(fh).values():
                    yield (
                        rec["arxiv_id"],
                        rec["title"],
                        rec.get("ori_summary") or rec.get("summary", ""),
                        _first(rec["categories"]),
                    )
        elif path.suffix == ".json":
            for rec in json.loads(path.read_text(encoding="utf-8"))["papers"]:
                primary = rec.get("primary_category") or _first(rec.get("categories", []))
                yield rec["arxiv_id"], rec["title"], rec.get("summary", ""), primary


def load(root: Path = DEFAULT_ROOT) -> list[Labelled]:
    """Every labelled record once (by arXiv id, then by folded title), in a stable order."""
    seen: set[str] = set()
    out: list[Labelled] = []
    for rid, title, abstract, primary in _records(root):
        title, abstract = _space(title), _space(abstract)
        if not title or not primary:
            continue
        rid = re.sub(r"v\d+$", "", rid.strip())
        if re.fullmatch(r"\d{3}\.\d{4}", rid):  # the Kaggle CSV lost the leading zero (0704.0001 -> 704.0001)
            rid = "0" + rid
        keys = {f"id:{rid}"} if rid else set()
        keys.add(f"t:{_fold(title)}")
        if keys & seen:
            continue
        seen |= keys
        out.append(Labelled(rid or _fold(title), title, abstract, primary))
    out.sort(key=lambda r: r.key)
    return out


def embed(
    records: list[Labelled],
    cache: Path = DEFAULT_CACHE,
    chunk: int = 500,
    max_seq_length: int = 64,
    only_cached: bool = False,
) -> np.ndarray:
    """Embeddings with the shipped encoder (as `paperkg ingest` makes them), cached in chunks (resumable).

    `max_seq_length` 64 (the index uses 256): on the shared, loaded 2-core machine 32k abstracts at 256 tokens
    take hours; the title and first sentences carry the topic, and the TF-IDF half of the predictor still
    reads the whole text. The shipped predictor, on full-length index vectors, can only do better."""
    from paperkg.index.encoder import load_encoder, spec_from_settings
    from paperkg.settings import load_settings

    spec = spec_from_settings(load_settings(home=cache / "home", max_seq_length=max_seq_length))
    encoder = load_encoder(spec)
    texts = [r.text for r in records]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    folder = cache / f"{spec.fingerprint}-{spec.max_seq_length}-{digest}"
    folder.mkdir(parents=True, exist_ok=True)
    starts = list(range(0, len(texts), chunk))
    # chunks in a seeded random order: a run stopped early has embedded a spread of the set, not its head
    for start in np.random.default_rng(7).permutation(starts).tolist():
        part = folder / f"{start:07d}.npy"
        if not part.exists() and not only_cached:
            t0 = time.perf_counter()
            vecs = encoder.encode(texts[start : start + chunk])
            tmp = part.with_suffix(".tmp.npy")
            np.save(tmp, vecs)
            tmp.rename(part)  # atomic: a killed run leaves no half chunk
            print(
                f"embedded {start + len(vecs)}/{len(texts)} ({len(vecs) / (time.perf_counter() - t0):.1f}/s)",
                file=sys.stderr,
                flush=True,
            )
    out = np.full((len(texts), encoder.dim), np.nan, dtype=np.float32)
    for start in starts:
        part = folder / f"{start:07d}.npy"
        if part.exists():
            out[start : start + chunk] = np.load(part)
    return out  # rows not embedded yet (only_cached) are NaN


if __name__ == "__main__":
    recs = load(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_ROOT)
    from collections import Counter

    print(len(recs), Counter(r.primary for r in recs).most_common(10), file=sys.stderr)
    embed(recs)
