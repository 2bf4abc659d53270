"""Build the bundled sample (data/sample/arxiv-sample.jsonl.gz) from the real records in ../shared/data/arxiv.

Kaggle-format records are copied as they are. Recent records from shiyibihua/arxiv-daily (arXiv API fields) are
converted to the Kaggle schema, mapping only fields that source has: fields it lacks (submitter, report-no,
license, authors_parsed, dates of intermediate versions) stay empty; its tool-added fields (relevance scores,
matched interests, code links) are ignored.

Usage: python scripts/make_sample.py [--shared ../shared/data/arxiv] [--recent 1900]
"""

from __future__ import annotations

import argparse
import glob
import gzip
import json
import re
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path


def rfc2822(iso: str | None) -> str | None:
    if not iso:
        return None
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    dt = dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)
    return format_datetime(dt, usegmt=True)


def convert(p: dict) -> dict:
    """arXiv API record -> Kaggle snapshot record."""
    m = re.fullmatch(r"(.+?)v(\d+)", p["arxiv_id"])
    base, n = (m.group(1), int(m.group(2))) if m else (p["arxiv_id"], 1)
    versions = [{"version": f"v{i}", "created": None} for i in range(1, n + 1)]
    versions[0]["created"] = rfc2822(p.get("published"))
    if n > 1:
        versions[-1]["created"] = rfc2822(p.get("updated"))
    categories = list(p.get("categories") or [])
    return {
        "id": base,
        "submitter": None,
        "authors": ", ".join(p.get("authors") or []),
        "title": p["title"],
        "comments": p.get("comment") or None,
        "journal-ref": p.get("journal_ref") or None,
        "doi": p.get("doi") or None,
        "report-no": None,
        "categories": " ".join(categories),
        "license": None,
        "abstract": p["summary"],
        "versions": versions,
        "update_date": (p.get("updated") or p.get("published") or "")[:10] or None,
        "authors_parsed": [],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--shared", type=Path, default=Path("../shared/data/arxiv"))
    ap.add_argument("--recent", type=int, default=1900)
    ap.add_argument("--out", type=Path, default=Path("data/sample/arxiv-sample.jsonl.gz"))
    args = ap.parse_args()
    lines = (args.shared / "kaggle-sample.jsonl").read_text(encoding="utf-8").splitlines()
    seen = {json.loads(line)["id"] for line in lines}
    recent: dict[str, dict] = {}
    for f in sorted(glob.glob(str(args.shared / "abstracts/shiyibihua_arxiv-daily/data/*/arxiv.json"))):
        for p in json.loads(Path(f).read_text(encoding="utf-8"))["papers"]:
            rec = convert(p)
            if rec["id"] in seen:
                continue
            # the same paper in several daily files: keep its latest version
            old = recent.get(rec["id"])
            if old is None or len(rec["versions"]) >= len(old["versions"]):
                recent[rec["id"]] = rec
    newest = sorted(
        recent.values(),
        key=lambda r: (
            r["versions"][0]["created"] and datetime.strptime(r["versions"][0]["created"], "%a, %d %b %Y %H:%M:%S %Z"),
            r["id"],
        ),
        reverse=True,
    )[: args.recent]
    newest.sort(key=lambda r: r["id"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(args.out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for line in lines:
            fh.write(line + "\n")
        for rec in newest:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    print(f"wrote {len(lines) + len(newest)} records ({len(lines)} Kaggle + {len(newest)} converted) to {args.out}")


if __name__ == "__main__":
    main()
