"""Cost of a feed: ranking every new paper of a home against a plain recommendation from the same seeds.

    .venv/bin/python scripts/bench_feed.py HOME [--runs 5]

Makes (or reuses) collection "bench-feed" in HOME with 10 papers and 2 dismissed ones, then times
`build_feed` with every paper counted as new against `recommend` (its usual 100 graph + 100 vector candidates)
from the same seeds, in the same run. Prints medians, their ratio, and the CPU.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from paperkg.catalog import open_catalog
from paperkg.errors import CollectionExists
from paperkg.feed import build_feed
from paperkg.graph.build import load_graph
from paperkg.graph.recommend import recommend, vector_store
from paperkg.hostinfo import cpu_info
from paperkg.settings import load_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    settings = load_settings(args.home, tagger=False)
    with open_catalog(settings.catalog_path) as cat:
        ids = [p.id for _pk, _h, p in cat.iter_papers()]
        middle = len(ids) // 2
        positive, negative = ids[middle : middle + 10], ids[middle + 10 : middle + 12]
        with cat.transaction():
            try:
                cat.create_collection("bench-feed")
            except CollectionExists:
                pass
            cat.set_collection_state("bench-feed", positive, "member")
            cat.set_collection_state("bench-feed", negative, "dismissed")
        load_graph(settings), vector_store(settings)  # loaded once, as in a server
        feed = build_feed(cat, settings, "bench-feed", since="1900-01-01", k=20)
        feed_s, rec_s = [], []
        for _ in range(args.runs):
            t = time.perf_counter()
            build_feed(cat, settings, "bench-feed", since="1900-01-01", k=20)
            feed_s.append(time.perf_counter() - t)
            t = time.perf_counter()
            recommend(cat, settings, positive, negative, 20)
            rec_s.append(time.perf_counter() - t)
    f, r = statistics.median(feed_s), statistics.median(rec_s)
    print(f"{len(ids)} papers, {feed.candidates} feed candidates")
    print(cpu_info().describe())
    print(f"feed {f * 1000:.0f} ms, recommend {r * 1000:.0f} ms (medians of {args.runs}); ratio {f / r:.2f}")


if __name__ == "__main__":
    main()
