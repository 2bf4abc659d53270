"""The one table style of every listing verb (search, similar, related, recommend, entity, quarantine)."""

from __future__ import annotations

from rich import box
from rich.table import Table

# long free text wraps (folding only words longer than the column); short fields never wrap
_WRAPPING = {"title", "why", "reason", "source", "aliases"}
_NUMERIC = {"#", "score", "fused", "cosine", "bm25", "papers", "mentions", "count", "year"}


def styled_table(caption: str | None = None) -> Table:
    """An empty table in the one style (caption left, bold header row, one rule under it); add columns."""
    return Table(title=caption, title_justify="left", box=box.SIMPLE_HEAD, header_style="bold", pad_edge=False)


def listing_table(caption: str | None, columns: list[str]) -> Table:
    """A table with a header row that uses the terminal's width; titles wrap instead of being cut."""
    table = styled_table(caption)
    for col in columns:
        if col in _WRAPPING:  # min_width: on a narrow terminal the numbers wrap before a title turns into a column
            table.add_column(col, overflow="fold", ratio=3 if col == "title" else 2, min_width=20)
        else:
            table.add_column(col, justify="right" if col in _NUMERIC else "left", no_wrap=col == "id")
    return table
