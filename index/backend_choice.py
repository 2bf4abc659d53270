"""Which CPU backend `auto` picks on this host, and why: CPU flags (paperkg.hostinfo) and installed runtimes.

Measured ratios behind the order (embedding, vs naive `SentenceTransformer.encode`, same run per host;
docs/benchmarks.md section 0): AMD EPYC, AVX2 without VNNI: onnx-int8 1.68-1.86x, openvino-int8 1.17x. Intel Xeon
with AVX-512 VNNI and AMX, 2 cores: openvino-bf16 3.3-3.8x at cosine 1.0000 to fp32, openvino-int8 3.9x at 0.9974,
onnx-int8 1.75-1.88x; the tagger there: openvino-bf16 1.64x onnx-int8 at mention Jaccard 0.992 to fp32 (int8: 0.945).
On AMX hosts bf16 leads: within 5% of int8's speed at fp32's quality. OpenVINO's int8 GEMMs need VNNI/AMX to
beat its own fp32 kernels, so openvino-int8 leads only on VNNI hosts without AMX bf16.
"""

from __future__ import annotations

from dataclasses import dataclass

from paperkg.hostinfo import CpuInfo, cpu_info


@dataclass(frozen=True, slots=True)
class Choice:
    backend: str  # the first candidate; the host quality gate may move down the list
    reason: str
    candidates: tuple[str, ...]  # in order of preference, ending with the exact path "torch"


_NO_ONNX = "onnx and onnxruntime are not installed: exact fp32 torch (pip install 'paperkg[fast]')"


def _choice(host: CpuInfo, onnx: bool, openvino: bool, reason: str) -> Choice:
    """The candidates in order: OpenVINO bf16 on AMX hosts, OpenVINO int8 on hosts with int8 dot products, then
    ONNX int8, then fp32 torch."""
    order = ["openvino-bf16"] if host.bf16_matmul and openvino else []
    order += ["openvino-int8"] if host.int8_dot and openvino else []
    order += ["onnx-int8", "torch"] if onnx else ["torch"]
    return Choice(order[0], reason, tuple(order))


def _reason(host: CpuInfo, onnx: bool, openvino: bool, what: str, fallback: str) -> str:
    if host.bf16_matmul and openvino:
        return (
            f"{host.kind} host (AMX bf16 tiles) with OpenVINO installed: the fp32 model run in bf16 ({what}), "
            "then openvino-int8"
        )
    if host.int8_dot and openvino:
        return f"{host.kind} host (hardware int8 dot products) with OpenVINO installed: static int8 ({what})"
    if host.int8_dot and onnx:
        return (
            f"{host.kind} host but OpenVINO is not installed: onnx-int8 (pip install 'paperkg[fast]' for the "
            "OpenVINO paths, 3.8-4.0x naive on an AMX Xeon vs 1.9x)"
        )
    return fallback if onnx else _NO_ONNX


def embedding_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The CPU embedding backends for `auto`, fastest first, with the reason for the first."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.index import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg.index import openvino_encoder

        openvino = openvino_encoder.available()
    what = "3.3-3.7x naive at cosine 1.0000 on an AMX Xeon" if host.bf16_matmul else "3.9x naive on an AMX Xeon"
    fallback = f"{host.kind} host without VNNI/AMX: onnx-int8 (1.7-1.9x naive on AVX2; openvino-int8 only 1.17x there)"
    return _choice(host, onnx, openvino, _reason(host, onnx, openvino, what, fallback))


def tagger_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The tagger's encoder backends for `auto`, fastest first; each built one is kept only if it passes the
    entity/relation F1 gate on this host (graph/tagger/gate.py), else the next is tried."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.graph.tagger import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg import encoding

        openvino = encoding.openvino_installed()
    gated = "kept only if it passes the entity/relation F1 gate on this host"
    what = "1.64x onnx-int8 on an AMX Xeon" if host.bf16_matmul else "the embedding's fastest path there"
    why = "OpenVINO is not installed" if host.int8_dot else "no VNNI/AMX, where OpenVINO int8 is slower"
    reason = _reason(host, onnx, openvino, what, f"{host.kind} host, {why}: int8 ONNX encoder")
    return _choice(host, onnx, openvino, f"{reason}, {gated}" if onnx or openvino else reason)
