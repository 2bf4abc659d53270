"""Host CPU detection: /proc/cpuinfo parsing, host kind, and the signature that keys per-host int8 results."""

from __future__ import annotations

from paperkg.hostinfo import CpuInfo, cpu_info, parse_cpuinfo

XEON = """processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu sse2 avx avx2 avx512f avx512_vnni avx512_bf16 amx_bf16 amx_tile amx_int8

processor\t: 1
model name\t: Intel(R) Xeon(R) Platinum 8480+
flags\t\t: fpu
"""
EPYC = "model name\t: AMD EPYC\nflags\t\t: fpu sse2 avx avx2 fma\n"


def test_parse_first_processor():
    model, flags = parse_cpuinfo(XEON)
    assert model == "Intel(R) Xeon(R) Platinum 8480+"
    assert {"avx2", "avx512_vnni", "amx_int8", "amx_bf16"} <= flags
    assert parse_cpuinfo("") == ("", frozenset())


def test_kind_signature_and_description():
    xeon = CpuInfo(*parse_cpuinfo(XEON), cores=2)
    epyc = CpuInfo(*parse_cpuinfo(EPYC), cores=2)
    zen5 = CpuInfo("AMD EPYC", frozenset({"avx2", "avx512f", "avx512_vnni", "avx512_bf16"}), 2)
    assert (xeon.kind, xeon.int8_dot, xeon.bf16_matmul, xeon.bf16_dot) == ("amx", True, True, True)
    assert (epyc.kind, epyc.int8_dot, epyc.bf16_matmul, epyc.bf16_dot) == ("avx2", False, False, False)
    assert (zen5.kind, zen5.int8_dot, zen5.bf16_matmul, zen5.bf16_dot) == ("avx512-vnni", True, False, True)
    assert "avx512_bf16=yes" in zen5.describe() and "avx512_bf16=no" in epyc.describe()
    assert xeon.signature != epyc.signature
    # flags that do not change int8 kernels do not split the cache
    assert CpuInfo(epyc.model, epyc.flags | {"sha_ni"}, 2).signature == epyc.signature
    line = xeon.describe()
    assert "Xeon" in line and "amx_int8=yes" in line and "2 cores" in line
    assert "avx512_vnni=no" in epyc.describe()


def test_this_host_is_described():
    info = cpu_info()
    assert info.model and info.cores >= 1 and info is cpu_info()
    assert set(info.to_dict()["flags"]) >= {"avx2", "avx512_vnni", "amx_int8", "amx_bf16"}


def test_every_benchmark_says_where_it_ran():
    """Figures are only comparable per host kind: each scripts/bench_*.py reports the CPU via this helper."""
    from pathlib import Path

    scripts = sorted((Path(__file__).resolve().parents[2] / "scripts").glob("bench*.py"))
    assert len(scripts) >= 8
    silent = [p.name for p in scripts if "cpu_info()" not in p.read_text(encoding="utf-8")]
    assert silent == [], f"benchmarks that do not print the host CPU (paperkg.hostinfo.cpu_info): {silent}"
