"""CLI ingest plus concurrent API writes against a real `paperkg serve`: do catalog and indexes end equal?

    .venv/bin/python scripts/check_concurrent_writes.py [--records 200] [--posts 40] [--clients 8]

Builds a small home, starts `paperkg serve` on it, runs `paperkg ingest` of `--records` new records while
`--clients` threads send `--posts` new papers with POST /papers, then compares the id sets of the catalog, the
dense and the lexical index (paperkg doctor) and checks that every new id is in all three.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from paperkg.catalog import open_catalog
from paperkg.hostinfo import cpu_info
from paperkg.index.build import dense_root, lexical_root
from paperkg.index.sync import check, published_ids
from paperkg.settings import load_settings

CLI = [sys.executable, "-c", "from paperkg.cli.main import run; run()"]
ENV = {
    **os.environ,
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
    "PAPERKG_API_KEY": "k",
    "PAPERKG_TAGGER": "false",
}


def _lines(prefix: str, n: int) -> bytes:
    return b"".join(
        json.dumps(
            {
                "id": f"{prefix}.{i:05d}",
                "title": f"Concurrent paper {prefix} {i}",
                "abstract": "Written while another writer runs.",
            }
        ).encode()
        + b"\n"
        for i in range(n)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=200)
    parser.add_argument("--posts", type=int, default=40)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    print(cpu_info().describe())
    with tempfile.TemporaryDirectory(prefix="paperkg-conc-") as tmp:
        home, seed, bulk = Path(tmp) / "home", Path(tmp) / "seed.jsonl", Path(tmp) / "bulk.jsonl"
        seed.write_bytes(_lines("2301", 5))
        bulk.write_bytes(_lines("2302", args.records))
        subprocess.run(
            [*CLI, "ingest", str(seed), "--home", str(home), "--no-tagger"], env=ENV, check=True, capture_output=True
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        url = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*CLI, "serve", "--home", str(home), "--port", str(port)],
            env=ENV,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.2)
            started = time.perf_counter()
            cli = subprocess.Popen(
                [*CLI, "ingest", str(bulk), "--home", str(home), "--no-tagger", "--json"],
                env=ENV,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )

            def post(i: int) -> str:
                r = httpx.post(
                    f"{url}/papers",
                    headers={"X-API-Key": "k"},
                    timeout=600,
                    json={"id": f"2303.{i:05d}", "title": f"Posted paper {i}", "abstract": "Posted."},
                )
                return f"{r.status_code} {'deferred' if 'deferred' in (r.json().get('index') or {}) else 'indexed'}"

            with ThreadPoolExecutor(args.clients) as pool:
                answers = list(pool.map(post, range(args.posts)))
            _out, err = cli.communicate(timeout=1200)
            seconds = time.perf_counter() - started
        finally:
            server.terminate()
            server.wait(30)
        settings = load_settings(home, tagger=False)
        new = {f"2302.{i:05d}" for i in range(args.records)} | {f"2303.{i:05d}" for i in range(args.posts)}
        with open_catalog(settings.catalog_path) as cat:
            report = check(cat, settings)
            pk_of = {p.id: pk for pk, _h, p in cat.iter_papers()}
        dense = {int(i) for i in published_ids(dense_root(settings), "dense")}
        lexical = {int(i) for i in published_ids(lexical_root(settings), "lexical")}
        new_pks = {pk_of[i] for i in new if i in pk_of}
        print(f"cli exit {cli.returncode}{' ' + err[-300:] if cli.returncode else ''}; {seconds:.1f} s")
        print("POST answers:", {a: answers.count(a) for a in sorted(set(answers))})
        print(
            f"new ids: {len(new)}; in catalog {len(new_pks)}, in dense {len(new_pks & dense)}, "
            f"in lexical {len(new_pks & lexical)}"
        )
        d, lx = report["dense"], report["lexical"]
        print(
            f"catalog {report['catalog']}, dense {d['count']} (missing {d['missing']}, extra {d['extra']}), "
            f"lexical {lx['count']} (missing {lx['missing']}, extra {lx['extra']}, stale {lx['stale']})"
        )


if __name__ == "__main__":
    main()
