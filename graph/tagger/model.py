"""The span-based entity and relation network: MiniLM encoder with sliding windows, span and pair heads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from transformers import BertModel, PreTrainedTokenizerFast

EncoderFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]  # (ids, mask) -> last hidden state


@dataclass(slots=True)
class Features:
    """One document as the network sees it: wordpiece ids and, per word, its first and last wordpiece."""

    ids: list[int]
    first: list[int]
    last: list[int]
    sentence_bounds: list[tuple[int, int]]  # [start, end) word offsets of each sentence


def featurize(tokenizer: PreTrainedTokenizerFast, docs: list[list[list[str]]]) -> list[Features]:
    """Tokenize sentences of words; a word with no wordpiece becomes [UNK] rather than being dropped."""
    flat = [[w for s in doc for w in s] for doc in docs]
    unk = tokenizer.unk_token_id
    enc = tokenizer([f if f else [""] for f in flat], is_split_into_words=True, add_special_tokens=False)
    out = []
    for d, (doc, words) in enumerate(zip(docs, flat, strict=True)):
        word_ids = enc.word_ids(d)
        pieces = enc["input_ids"][d]
        per_word: list[list[int]] = [[] for _ in words]
        for piece, w in zip(pieces, word_ids, strict=True):
            if w is not None and w < len(words):
                per_word[w].append(piece)
        ids, first, last = [], [], []
        for plist in per_word:
            first.append(len(ids))
            ids.extend(plist or [unk])
            last.append(len(ids) - 1)
        bounds, start = [], 0
        for s in doc:
            bounds.append((start, start + len(s)))
            start += len(s)
        out.append(Features(ids, first, last, bounds))
    return out


def _pad(rows: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r)
        mask[i, : len(r)] = 1
    return ids, mask


def windows(length: int, size: int) -> list[int]:
    """Start offsets of overlapping windows of `size` covering `length` pieces (stride size // 2)."""
    if length <= size:
        return [0]
    stride = max(1, size // 2)
    starts = list(range(0, length - size, stride)) + [length - size]
    return sorted(set(starts))


class SpanRelModel(nn.Module):
    def __init__(
        self,
        encoder: BertModel,
        *,
        n_entity: int,
        n_relation: int,
        max_width: int = 10,
        width_dim: int = 32,
        type_dim: int = 32,
        hidden: int = 384,
        pair_dim: int = 256,
        dropout: float = 0.2,
        window: int = 512,
    ) -> None:
        super().__init__()
        self.encoder = encoder
        h = encoder.config.hidden_size
        self.max_width = max_width
        self.window = window
        self.width_emb = nn.Embedding(max_width + 2, width_dim)
        span_dim = 2 * h + width_dim
        self.ner = nn.Sequential(
            nn.Dropout(dropout),
            nn.Linear(span_dim, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_entity + 1),
        )
        self.type_emb = nn.Embedding(n_entity + 1, type_dim)
        self.head_proj = nn.Linear(span_dim + type_dim, pair_dim)
        self.tail_proj = nn.Linear(span_dim + type_dim, pair_dim)
        self.ctx_proj = nn.Linear(h, pair_dim)
        self.rel = nn.Sequential(
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(4 * pair_dim, hidden),
            nn.GELU(),
            nn.Dropout(dropout),
            nn.Linear(hidden, n_relation + 1),
        )

    # -- encoder -------------------------------------------------------------------------------------------
    def encode(
        self, feats: list[Features], *, run: EncoderFn | None = None, max_tokens: int | None = None
    ) -> tuple[torch.Tensor, list[int]]:
        """Contextual vectors of every wordpiece of every document, flattened: (sum of lengths, hidden).

        Documents longer than the window are cut into half-overlapping windows; each piece takes its vector
        from the window where it sits most centrally, so every piece keeps context on both sides.
        `run` replaces the torch encoder's forward (ids, mask) -> last hidden state (e.g. an int8 ONNX
        session). With `max_tokens`, windows are sorted by length and run in groups of at most that many
        padded pieces (less padding); without, all windows go in one padded batch.
        """
        size = self.window - 2
        cfg = self.encoder.config
        cls_id, sep_id, pad_id = 101, 102, cfg.pad_token_id or 0
        rows, picks, offsets, total = [], [], [], 0
        for f in feats:
            offsets.append(total)
            n = len(f.ids)
            starts = windows(n, size)
            base = len(rows)
            for s in starts:
                rows.append([cls_id, *f.ids[s : s + size], sep_id])
            # each piece from the window whose centre is nearest (first window on ties)
            pos = np.arange(n)
            centre = np.asarray(starts, dtype=np.float64) + min(size, n) / 2
            best = np.abs(centre[None, :] - pos[:, None]).argmin(axis=1)
            picks.append(np.stack([base + best, pos - np.asarray(starts)[best] + 1], axis=1))
            total += n
        if not rows:
            return torch.zeros(0, cfg.hidden_size), offsets
        forward = run or self._forward
        index = torch.from_numpy(np.concatenate(picks).astype(np.int64)) if picks else None
        if max_tokens is None:
            hidden = forward(*_pad(rows, pad_id))
            if index is None or not len(index):
                return hidden.new_zeros(0, hidden.shape[-1]), offsets
            return hidden[index[:, 0], index[:, 1]], offsets
        # length-sorted groups: rows of similar length share a padded batch
        order = sorted(range(len(rows)), key=lambda r: len(rows[r]))
        per_row: list[torch.Tensor] = [torch.zeros(0)] * len(rows)
        group: list[int] = []
        for r in [*order, None]:
            if group and (r is None or len(rows[r]) * (len(group) + 1) > max_tokens):
                hidden = forward(*_pad([rows[g] for g in group], pad_id))
                for k, g in enumerate(group):
                    per_row[g] = hidden[k, : len(rows[g])]
                group = []
            if r is not None:
                group.append(r)
        if index is None or not len(index):
            return torch.zeros(0, cfg.hidden_size), offsets
        # rows laid end to end: a (row, position) pick is row_start[row] + position
        row_start = torch.tensor([0, *np.cumsum([len(r) for r in rows])[:-1].tolist()], dtype=torch.long)
        return torch.cat(per_row).index_select(0, row_start[index[:, 0]] + index[:, 1]), offsets

    def _forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state

    # -- heads ---------------------------------------------------------------------------------------------
    def span_repr(self, tokens: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor, widths: torch.Tensor):
        w = self.width_emb(widths.clamp(max=self.max_width + 1))
        return torch.cat([tokens[starts], tokens[ends], w], dim=-1)

    def ner_logits(self, span_vecs: torch.Tensor) -> torch.Tensor:
        return self.ner(span_vecs)

    def ner_logits_from_tokens(
        self,
        tokens: torch.Tensor,
        starts: torch.Tensor,
        ends: torch.Tensor,
        widths: torch.Tensor,
        chunk: int = 8192,
    ) -> torch.Tensor:
        """`ner_logits(span_repr(...))` in eval mode without building span vectors: the first layer is linear
        in `[start; end; width]`, so it is applied once per piece and per width and summed per span
        (same function, ~20x fewer multiply-adds for the ~10 spans each word starts)."""
        _, first, act, _, last = self.ner
        h = tokens.shape[-1]
        w_start, w_end, w_width = first.weight[:, :h], first.weight[:, h : 2 * h], first.weight[:, 2 * h :]
        by_start = tokens @ w_start.T
        by_end = torch.addmm(first.bias, tokens, w_end.T)
        by_width = self.width_emb.weight @ w_width.T
        widths = widths.clamp(max=self.max_width + 1)
        out = tokens.new_empty(len(starts), last.out_features)
        for a in range(0, len(starts), chunk):  # chunks stay in cache; the whole span x hidden matrix would not
            b = a + chunk
            hidden = by_start.index_select(0, starts[a:b])
            hidden += by_end.index_select(0, ends[a:b])
            hidden += by_width.index_select(0, widths[a:b])
            out[a:b] = last(act(hidden))
        return out

    def rel_logits(
        self,
        tokens: torch.Tensor,
        head_vecs: torch.Tensor,
        tail_vecs: torch.Tensor,
        head_types: torch.Tensor,
        tail_types: torch.Tensor,
        between: torch.Tensor,
    ) -> torch.Tensor:
        """Pair scores; `between` holds (from, to) flat piece offsets of the text between the two spans."""
        h = self.head_proj(torch.cat([head_vecs, self.type_emb(head_types)], dim=-1))
        t = self.tail_proj(torch.cat([tail_vecs, self.type_emb(tail_types)], dim=-1))
        # mean of the pieces between the arguments, via prefix sums (cheap for many pairs)
        prefix = torch.cat([tokens.new_zeros(1, tokens.shape[-1]), tokens.cumsum(0)], dim=0)
        lo, hi = between[:, 0], between[:, 1]
        count = (hi - lo).clamp(min=1).unsqueeze(-1).to(tokens.dtype)
        ctx = (prefix[torch.maximum(hi, lo)] - prefix[lo]) / count
        c = self.ctx_proj(ctx)
        return self.rel(torch.cat([h, t, h * t, c], dim=-1))
