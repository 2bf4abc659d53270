"""`paperkg trends --plot`: the page's trend chart as a PNG or SVG file (matplotlib, headless Agg backend)."""

from __future__ import annotations

from pathlib import Path

from paperkg.artifacts import atomic_path
from paperkg.errors import BadInput
from paperkg.graph.trends import TrendReport

FORMATS = {".png", ".svg"}


def plot_trends(report: TrendReport, path: Path, *, share: bool = False) -> Path:
    """Write one line per entity (papers per period, or their share with `share`); atomic (temp + rename)."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise BadInput(f"{path}: --plot writes .png or .svg, not {suffix or 'a file without suffix'!r}")
    import matplotlib

    matplotlib.use("Agg")  # no display: never pick an interactive backend
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 4.5), dpi=120)
    try:
        x = range(len(report.periods))
        for s in report.series:
            y = [100 * v for v in s.shares] if share else s.counts
            ax.plot(x, y, marker="o", markersize=3, linewidth=1.8, label=f"{s.entity.name} ({s.total})")
        step = max(1, len(report.periods) // 12)
        ax.set_xticks(list(x)[::step], report.periods[::step], rotation=45, ha="right")
        ax.set_ylabel("% of papers" if share else "papers")
        title = "Papers mentioning each entity, per " + report.by
        if report.category:
            title += f" ({report.category}{', incl. predicted' if report.predicted else ''})"
        ax.set_title(title)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
        fig.tight_layout()
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=suffix[1:])
    finally:
        plt.close(fig)
    return path
