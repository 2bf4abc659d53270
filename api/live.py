"""The API as a real uvicorn process on a loopback port, started and awaited (browser tests, load benchmarks)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import httpx


class ServerDidNotStart(RuntimeError):
    """The server process exited, or /health did not answer 200 in time."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def uvicorn_command(port: int, *extra: str) -> list[str]:
    """`python -m uvicorn` serving `create_app` on 127.0.0.1:`port`, warnings only; `extra` adds flags."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "paperkg.api.app:create_app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        *extra,
    ]


def wait_healthy(url: str, proc: subprocess.Popen | None, *, timeout: float = 60, interval: float = 0.2) -> None:
    """Poll `url`/health until it answers 200; kill `proc` and raise ServerDidNotStart if it exits or time runs out."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        exited = proc is not None and proc.poll() is not None
        if exited or time.monotonic() > deadline:
            if proc is not None:
                proc.kill()
            why = f"exited with {proc.returncode}" if exited else f"no healthy answer in {timeout:.0f} s"
            raise ServerDidNotStart(f"server at {url} did not start: {why}")
        time.sleep(interval)
