"""paperkg: literature retrieval and knowledge graph over arXiv papers."""

from __future__ import annotations

__version__ = "0.1.0"
