"""The span-based entity and relation network: MiniLM encoder with sliding windows, span and pair heads."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn
from transformers import BertModel, PreTrainedTokenizerFast


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
    def encode(self, feats: list[Features]) -> tuple[torch.Tensor, list[int]]:
        """Contextual vectors of every wordpiece of every document, flattened: (sum of lengths, hidden).

        Documents longer than the window are cut into half-overlapping windows; each piece takes its vector
        from the window where it sits most centrally, so every piece keeps context on both sides.
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
            for p in range(n):
                best = min(range(len(starts)), key=lambda k: abs(starts[k] + min(size, n) / 2 - p))
                picks.append((base + best, p - starts[best] + 1))
            total += n
        if not rows:
            return torch.zeros(0, cfg.hidden_size), offsets
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r)
            mask[i, : len(r)] = 1
        hidden = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        if not picks:
            return hidden.new_zeros(0, hidden.shape[-1]), offsets
        index = torch.tensor(picks, dtype=torch.long)
        return hidden[index[:, 0], index[:, 1]], offsets

    # -- heads ---------------------------------------------------------------------------------------------
    def span_repr(self, tokens: torch.Tensor, starts: torch.Tensor, ends: torch.Tensor, widths: torch.Tensor):
        w = self.width_emb(widths.clamp(max=self.max_width + 1))
        return torch.cat([tokens[starts], tokens[ends], w], dim=-1)

    def ner_logits(self, span_vecs: torch.Tensor) -> torch.Tensor:
        return self.ner(span_vecs)

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
