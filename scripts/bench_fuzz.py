"""Hostile-input benchmark: a JSON-lines file of good records and ~30 kinds of corrupted lines, ingested by the CLI.

    .venv/bin/python scripts/bench_fuzz.py [--lines 3000] [--seed 14 --seed 15 ...] [--no-index] [--huge-line-mb 200]

For each seed: builds the corpus with tests/ingest/fuzz_corpus.py (about 2/3 good records, with changed
duplicates and older versions; 1/3 corrupted: truncated, byte flips, invalid UTF-8, wrong types in every field,
1 MB fields, NUL, nesting up to 100,000 levels, lone surrogates, 5,000-digit numbers, control characters and
injection strings in ids; BOM, CRLF and blank lines among the good ones), runs `paperkg ingest --no-tagger
--json` in a fresh home as a subprocess, then checks: exit status 0 and no traceback (else a crash), every good
record in the catalog with its latest title and abstract, every corrupted line in the quarantine under its line
number, no good line quarantined, and (with indexes) `paperkg doctor` finding the indexes equal to the catalog.
`--huge-line-mb N` appends one N MB line to show that it is skipped without being read whole (child peak RSS).
Writes bench-out/bench_fuzz.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "ingest"))

from fuzz_corpus import make_corpus  # noqa: E402
from paperkg.catalog import open_catalog  # noqa: E402
from paperkg.hostinfo import cpu_info  # noqa: E402

CLI = [sys.executable, "-c", "from paperkg.cli.main import run; run()"]


def _child_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


def run_one(seed: int, lines: int, work: Path, *, index: bool, huge_mb: int) -> dict[str, object]:
    corpus = make_corpus(lines, seed=seed)
    src = work / f"fuzz-{seed}.jsonl"
    corpus.write(src)
    if huge_mb:
        with src.open("ab") as fh:  # one giant line, then one good record that must still go through
            fh.write(b'{"id": "2499.99999", "title": "')
            block = b"x" * (1 << 20)
            for _ in range(huge_mb):
                fh.write(block)
            fh.write(b'"}\n')
            fh.write(json.dumps({"id": "2499.99998", "title": "After the huge line"}).encode() + b"\n")
        corpus.bad[len(corpus.lines) + 1] = "huge line"
        corpus.expected["2499.99998"] = ("After the huge line", "")
    home = work / f"home-{seed}"
    args = [*CLI, "ingest", str(src), "--home", str(home), "--no-tagger", "--json"]
    if not index:
        args += ["--no-index", "--no-graph"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    started = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    crashed = proc.returncode != 0 or "Traceback" in proc.stderr
    with open_catalog(home / "catalog.sqlite", readonly=True) as cat:
        reasons = {e.location: e.reason for e in cat.quarantined(limit=1_000_000)}
        wrong = []
        for pid, (title, abstract) in corpus.expected.items():
            paper = cat.get_paper(pid)
            if paper is None or (paper.title, paper.abstract) != (title, abstract):
                wrong.append(pid)
        papers = cat.count_papers()
    bad_missing = {n: kind for n, kind in corpus.bad.items() if f"line {n}" not in reasons}
    good_quarantined = [loc for loc in reasons if int(loc.split()[1]) not in corpus.bad]
    doctor_ok = None
    if index:
        doctor = subprocess.run(
            [*CLI, "doctor", "--home", str(home), "--json"], capture_output=True, text=True, env=env
        )
        doctor_ok = doctor.returncode == 0 and json.loads(doctor.stdout)["ok"]
    return {
        "seed": seed,
        "lines": len(corpus.lines) + (2 if huge_mb else 0),
        "good_lines": corpus.good_lines + (1 if huge_mb else 0),
        "blank_lines": corpus.blank_lines,
        "bad_lines": len(corpus.bad),
        "bad_kinds": len(set(corpus.bad.values())),
        "distinct_good_papers": len(corpus.expected),
        "good_kept_with_latest_content": len(corpus.expected) - len(wrong),
        "papers_in_catalog": papers,
        "bad_quarantined": len(corpus.bad) - len(bad_missing),
        "bad_not_quarantined": list(bad_missing.items())[:10],
        "good_lines_quarantined": good_quarantined[:10],
        "exit_status": proc.returncode,
        "crashes": int(crashed),
        "stderr_tail": proc.stderr[-500:] if crashed else "",
        "doctor_ok": doctor_ok,
        "seconds": round(seconds, 1),
        "child_peak_rss_mb": round(_child_peak_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--seed", type=int, action="append", help="corpus seed (repeatable; default 14)")
    parser.add_argument("--no-index", action="store_true", help="catalog only (skip indexes and graph)")
    parser.add_argument("--huge-line-mb", type=int, default=0, help="append one line of this many MB")
    parser.add_argument("--out", type=Path, default=ROOT / "bench-out" / "bench_fuzz.json")
    args = parser.parse_args()
    cpu = cpu_info()
    print(cpu.describe())
    results = []
    with tempfile.TemporaryDirectory(prefix="paperkg-fuzz-") as tmp:
        for seed in args.seed or [14]:
            r = run_one(seed, args.lines, Path(tmp), index=not args.no_index, huge_mb=args.huge_line_mb)
            results.append(r)
            ok = (
                r["crashes"] == 0
                and r["good_kept_with_latest_content"] == r["distinct_good_papers"]
                and r["bad_quarantined"] == r["bad_lines"]
                and not r["good_lines_quarantined"]
                and r["doctor_ok"] in (None, True)
            )
            print(
                f"seed {seed}: {r['lines']} lines ({r['good_lines']} good, {r['blank_lines']} blank, "
                f"{r['bad_lines']} corrupted in {r['bad_kinds']} ways) -> exit {r['exit_status']}, "
                f"crashes {r['crashes']}; good kept with latest content {r['good_kept_with_latest_content']}/"
                f"{r['distinct_good_papers']} papers; bad quarantined {r['bad_quarantined']}/{r['bad_lines']}; "
                f"good lines quarantined {len(r['good_lines_quarantined'])}; doctor ok {r['doctor_ok']}; "
                f"{r['seconds']} s, child peak RSS {r['child_peak_rss_mb']} MB -> {'PASS' if ok else 'FAIL'}"
            )
            if not ok:
                print(json.dumps(r, indent=2))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cpu": cpu.to_dict(), "results": results}, indent=2))


if __name__ == "__main__":
    main()
