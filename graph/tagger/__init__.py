"""Scientific entity and relation tagger (SciERC): span-based, MiniLM encoder, shipped fine-tuned weights.

Heavy modules (torch, transformers) load on first use, so importing this package stays cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from paperkg.graph.tagger.inference import Mention, RelationMention, Tagger, TagResult, get_tagger
    from paperkg.graph.tagger.pending import TagSummary, tag_pending

__all__ = ["Mention", "RelationMention", "TagResult", "TagSummary", "Tagger", "get_tagger", "tag_pending"]

_LAZY = {
    "Tagger": "inference",
    "TagResult": "inference",
    "Mention": "inference",
    "RelationMention": "inference",
    "get_tagger": "inference",
    "tag_pending": "pending",
    "TagSummary": "pending",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(f"paperkg.graph.tagger.{_LAZY[name]}"), name)
    raise AttributeError(name)
