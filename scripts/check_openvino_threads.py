"""Fresh OpenVINO encoders used from several threads at once: every call returns, with the serial vectors.

    .venv/bin/python scripts/check_openvino_threads.py [--backend openvino-int8] [--encoders 40] [--threads 4]
        [--timeout 60]

The API encodes queries from several server threads. For each of `--encoders` fresh encoders (the same built
model), `--threads` long-lived pool threads each encode the same 8 texts twice; the check fails when the calls
stop moving for `--timeout` seconds (every thread's stack is printed) or when a vector differs from the serial
one. With one infer request per thread created on first use (before `encoding.RequestPool`), 2 runs in 7 hung
on an AMD Zen 5 host with openvino-int8 (`create_infer_request` against `infer` on one compiled model).
"""

from __future__ import annotations

import argparse
import faulthandler
import gc
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from paperkg.hostinfo import cpu_info
from paperkg.index import encoder as enc

TEXTS = [f"Paper {i}: graph neural networks for citation recommendation, evaluated on benchmark {i}." for i in range(8)]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--backend", default="openvino-int8", choices=["openvino-int8", "openvino-bf16"])
    ap.add_argument("--encoders", type=int, default=40)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--timeout", type=float, default=60.0)
    args = ap.parse_args(argv)
    print(cpu_info().describe(), file=sys.stderr)
    spec = enc.EncoderSpec(enc.default_model_path(), "cpu", 256, args.backend)
    enc.Encoder(spec)  # builds the model once (or finds it built) before the clock and the hang watch start
    faulthandler.dump_traceback_later(args.timeout, exit=True)  # a hang prints every stack and exits 1
    started = time.perf_counter()
    outputs = []
    with ThreadPoolExecutor(args.threads) as pool:  # threads that outlive the encoders, like a server's
        for _ in range(args.encoders):  # the first calls of a fresh encoder, from every thread at once
            fresh = enc.Encoder(spec)  # not load_encoder: that one is cached per process
            outputs.append(list(pool.map(lambda _j, e=fresh: e.encode(TEXTS), range(2 * args.threads))))
            del fresh
            gc.collect()  # the previous encoder goes while the pool's threads live on
            faulthandler.dump_traceback_later(args.timeout, exit=True)
    reference = enc.Encoder(spec).encode(TEXTS)  # serial, from this thread alone
    for i, out in enumerate(outputs):
        if not all(np.allclose(o, reference, atol=1e-5) for o in out):
            print(f"encoder {i}: threaded vectors differ from the serial ones", file=sys.stderr)
            return 1
    faulthandler.cancel_dump_traceback_later()
    print(
        f"ok: {args.encoders} fresh {args.backend} encoders x {args.threads} threads in "
        f"{time.perf_counter() - started:.1f}s, no hang, vectors equal to serial",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
