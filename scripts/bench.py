"""Run the scale benchmarks one after the other and write their Markdown tables (figures and ratios).

    .venv/bin/python scripts/bench.py [--only embed,ingest,faiss,bulk] [--out docs/benchmarks-latest.md]

Each benchmark is a script of its own (scripts/bench_embed.py, bench_ingest.py, bench_faiss.py,
bench_bulk.py) printing JSON; this one runs them in sequence (never two heavy jobs at once), on real data
from ../shared/data or the bundled sample when that is absent, and renders one table per benchmark. Speed
figures are only meaningful as ratios against the baseline measured in the same run: the machine may be
shared.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from paperkg.hostinfo import cpu_info  # the CPU the figures come from

HERE = Path(__file__).resolve().parent
DEFAULT_ARGS = {
    "embed": ["-n", "160", "--rounds", "2"],
    "ingest": ["-n", "300"],
    "faiss": ["--base", "2000", "--queries", "200", "--total", "1000000", "--nlist", "4096"],
    "bulk": ["--records", "100000", "--embed-sample", "500"],
}


def run(name: str) -> dict:
    cmd = [sys.executable, str(HERE / f"bench_{name}.py"), *DEFAULT_ARGS[name]]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{") :])


def table(header: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def render(name: str, r: dict) -> str:
    cmd = f"`.venv/bin/python scripts/bench_{name}.py {' '.join(DEFAULT_ARGS[name])}`"
    if name == "embed":
        s = r["speed"]
        rows = [
            [x["method"], x["docs_per_s"], x["ratio_vs_naive"], x["cosine_mean"], x["cosine_min"]] for x in s["rows"]
        ]
        body = table(["method", "docs/s", "× naive", "cosine mean", "cosine min"], rows)
        title = f"Embedding speed ({s['texts']} texts of {s['source']}, {s['rounds']} rounds)"
        return f"### {title}\n{cmd}\n\n{body}"
    if name == "ingest":
        body = table(
            ["records", "naive s", "paperkg ingest --no-tagger s", "speed-up"],
            [[r["records"], r["naive_s"], r["paperkg_ingest_s"], r["speedup"]]],
        )
        return f"### Ingest of the bundled sample vs naive\n{cmd}\n\n{body}"
    if name == "faiss":
        rows = [["flat (exact)", r["flat"]["p50_ms"], r["flat"]["p99_ms"], r["flat"]["recall@10"], ""]]
        rows += [[k, v["p50_ms"], v["p99_ms"], v["recall@10"], v["build_s"]] for k, v in r["approximate"].items()]
        body = table(["index", "p50 ms", "p99 ms", "recall@10", "build s"], rows)
        return (
            f"### {r['total']:,} vectors ({r['base_real']} real + expansion, {r['queries_real']} queries)\n"
            f"{cmd}\n\n{body}"
        )
    if name == "bulk":
        rows = [
            [k, v.get("seconds", v.get("seconds_sample")), v.get("per_s"), v.get("peak_rss_mib")]
            for k, v in r["stages"].items()
        ]
        body = table(["stage", "seconds", "records/s", "peak RSS MiB"], rows)
        title = f"Bulk ingest, {r['records']:,} records ({r['unique_real_records']:,} real, distinct ids)"
        return f"### {title}\n{cmd}\n\n{body}"
    return json.dumps(r, indent=2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default="embed,ingest,faiss,bulk")
    ap.add_argument("--out", type=Path, default=None, help="write the Markdown here (default: print)")
    args = ap.parse_args()
    parts = [f"## Benchmark run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}", cpu_info().describe()]
    for name in args.only.split(","):
        parts.append(render(name, run(name)))
    text = "\n\n".join(parts) + "\n"
    if args.out:
        tmp = args.out.with_name(f".{args.out.name}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(args.out)
    else:
        print(text)


if __name__ == "__main__":
    main()
