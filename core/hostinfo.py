"""What CPU this process runs on: model, the SIMD flags that decide the int8 path, usable cores, a signature."""

from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

# The flags that change which int8/bf16 kernels run: AVX2 (u8s8 without VNNI saturates, see
# index/fast_encoder.py), AVX-512 VNNI / AVX-VNNI (int8 dot products), AMX (int8 and bf16 tile matmuls).
RELEVANT_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8", "amx_bf16", "avx512_bf16")
# what benchmarks print beside their figures
SHOWN_FLAGS = ("avx2", "avx512_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


@dataclass(frozen=True, slots=True)
class CpuInfo:
    model: str
    flags: frozenset[str]  # every flag the kernel reports (/proc/cpuinfo), lower case
    cores: int  # cores this process may run on

    @property
    def int8_dot(self) -> bool:
        """Hardware int8 dot products (VNNI or AMX): where static int8 graphs (OpenVINO) pay off."""
        return bool(self.flags & {"avx512_vnni", "avx_vnni", "amx_int8"})

    @property
    def bf16_matmul(self) -> bool:
        """AMX bf16 tiles: fp32 networks run in bf16 at ~3x with vectors within 1e-4 cosine (openvino-bf16)."""
        return "amx_bf16" in self.flags

    @property
    def bf16_dot(self) -> bool:
        """Hardware bf16 dot products (AVX-512 BF16 or AMX): OpenVINO's bf16 inference runs at int8's speed on
        the tagger's long sequences there (Zen 5 EPYC: 36-43 vs 32-46 abstracts/s) at fp32's output."""
        return bool(self.flags & {"avx512_bf16", "amx_bf16"})

    @property
    def kind(self) -> str:
        """A short host class for tables: amx, avx512-vnni, avx-vnni, avx2 or baseline."""
        for flag, name in (("amx_int8", "amx"), ("avx512_vnni", "avx512-vnni"), ("avx_vnni", "avx-vnni")):
            if flag in self.flags:
                return name
        return "avx2" if "avx2" in self.flags else "baseline"

    @property
    def signature(self) -> str:
        """Short hash of model and the relevant flags: int8 results cached under it are valid on this host kind."""
        key = self.model + "|" + ",".join(f for f in RELEVANT_FLAGS if f in self.flags)
        return hashlib.sha256(key.encode()).hexdigest()[:12]

    def describe(self) -> str:
        """One line for benchmark output and `paperkg config`."""
        shown = " ".join(f"{f}={'yes' if f in self.flags else 'no'}" for f in SHOWN_FLAGS)
        return f"CPU: {self.model} | {self.cores} cores | {shown} | kind {self.kind}"

    def to_dict(self) -> dict[str, object]:
        return {
            "model": self.model,
            "cores": self.cores,
            "kind": self.kind,
            "signature": self.signature,
            "flags": {f: f in self.flags for f in RELEVANT_FLAGS},
        }


def parse_cpuinfo(text: str) -> tuple[str, frozenset[str]]:
    """Model name and flags of the first processor in /proc/cpuinfo text (x86 `flags`, ARM `Features`)."""
    model, flags = "", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip().lower()
        if key == "model name" and not model:
            model = value.strip()
        elif key in {"flags", "features"} and not flags:
            flags = frozenset(value.lower().split())
        if model and flags:
            break
    return model, flags


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@lru_cache(maxsize=1)
def cpu_info() -> CpuInfo:
    """This host's CPU, read once per process (Linux: /proc/cpuinfo; elsewhere the platform's name, no flags)."""
    model, flags = "", frozenset()
    proc = Path("/proc/cpuinfo")
    if proc.is_file():
        model, flags = parse_cpuinfo(proc.read_text(encoding="utf-8", errors="replace"))
    return CpuInfo(model or platform.processor() or platform.machine() or "unknown", flags, _cores())
