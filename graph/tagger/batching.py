"""Index tensors the heads consume, built from featurized documents: candidate spans and argument pairs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from paperkg.graph.tagger.model import Features


@dataclass(slots=True)
class SpanBatch:
    starts: torch.Tensor  # flat piece index of each span's first piece
    ends: torch.Tensor  # flat piece index of each span's last piece
    widths: torch.Tensor  # in words
    where: list[tuple[int, int, int, int]]  # (doc, sentence, local start, local end) per span


def enumerate_spans(feats: list[Features], offsets: list[int], max_width: int) -> SpanBatch:
    starts, ends, widths, where = [], [], [], []
    for d, (f, off) in enumerate(zip(feats, offsets, strict=True)):
        for s, (a, b) in enumerate(f.sentence_bounds):
            for i in range(a, b):
                for j in range(i, min(b, i + max_width)):
                    starts.append(off + f.first[i])
                    ends.append(off + f.last[j])
                    widths.append(j - i + 1)
                    where.append((d, s, i - a, j - a))
    return SpanBatch(
        torch.tensor(starts, dtype=torch.long),
        torch.tensor(ends, dtype=torch.long),
        torch.tensor(widths, dtype=torch.long),
        where,
    )


@dataclass(slots=True)
class SpanIndex:
    """`SpanBatch` as arrays (inference): same spans in the same order, `where` an (n, 4) int array."""

    starts: torch.Tensor
    ends: torch.Tensor
    widths: torch.Tensor
    where: np.ndarray


def span_index(feats: list[Features], offsets: list[int], max_width: int) -> SpanIndex:
    """Vectorised `enumerate_spans`: every span of up to max_width words inside a sentence, start-major."""
    cols: list[list[np.ndarray]] = [[], [], [], [], [], [], []]
    step = np.arange(max_width)
    for d, (f, off) in enumerate(zip(feats, offsets, strict=True)):
        first, last = np.asarray(f.first, dtype=np.int64), np.asarray(f.last, dtype=np.int64)
        for s, (a, b) in enumerate(f.sentence_bounds):
            if b <= a:
                continue
            i = np.repeat(np.arange(a, b), max_width)
            j = i + np.tile(step, b - a)
            keep = j < b
            i, j = i[keep], j[keep]
            for col, v in zip(
                cols,
                (
                    off + first[i],
                    off + last[j],
                    j - i + 1,
                    np.full_like(i, d),
                    np.full_like(i, s),
                    i - a,
                    j - a,
                ),
                strict=True,
            ):
                col.append(v)
    flat = [np.concatenate(c) if c else np.zeros(0, dtype=np.int64) for c in cols]
    return SpanIndex(
        torch.from_numpy(flat[0]),
        torch.from_numpy(flat[1]),
        torch.from_numpy(flat[2]),
        np.stack(flat[3:], axis=1),
    )


@dataclass(slots=True)
class PairBatch:
    head_start: torch.Tensor
    head_end: torch.Tensor
    head_width: torch.Tensor
    tail_start: torch.Tensor
    tail_end: torch.Tensor
    tail_width: torch.Tensor
    between: torch.Tensor  # (n, 2) flat piece range [from, to) strictly between the two arguments
    where: list[tuple[int, int, int, int]]  # (doc, sentence, head index, tail index) into the entity lists


def build_pairs(feats: list[Features], offsets: list[int], entities: list[list[list[tuple[int, int]]]]) -> PairBatch:
    """Every ordered pair of distinct entities in a sentence; `entities[d][s]` holds local (start, end)."""
    cols: dict[str, list[int]] = {k: [] for k in ("hs", "he", "hw", "ts", "te", "tw", "lo", "hi")}
    where = []
    for d, (f, off) in enumerate(zip(feats, offsets, strict=True)):
        for s, (a, _b) in enumerate(f.sentence_bounds):
            ents = entities[d][s]
            for hi_, (h0, h1) in enumerate(ents):
                for ti, (t0, t1) in enumerate(ents):
                    if hi_ == ti or h0 < 0 or t0 < 0:  # (-1, -1) marks an entity left out of pairing
                        continue
                    hs, he = off + f.first[a + h0], off + f.last[a + h1]
                    ts, te = off + f.first[a + t0], off + f.last[a + t1]
                    lo, hi = (he + 1, ts) if he < ts else (te + 1, hs)
                    for k, v in zip(cols, (hs, he, h1 - h0 + 1, ts, te, t1 - t0 + 1, lo, max(lo, hi)), strict=True):
                        cols[k].append(v)
                    where.append((d, s, hi_, ti))

    def t(k: str) -> torch.Tensor:
        return torch.tensor(cols[k], dtype=torch.long)

    between = torch.stack([t("lo"), t("hi")], dim=1) if where else torch.zeros((0, 2), dtype=torch.long)
    return PairBatch(t("hs"), t("he"), t("hw"), t("ts"), t("te"), t("tw"), between, where)
