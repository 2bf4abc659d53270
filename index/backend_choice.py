"""Which CPU backend `auto` picks on this host, and why: CPU flags (paperkg.hostinfo) and installed runtimes.

Measured ratios behind the order (embedding, vs naive `SentenceTransformer.encode`, same run per host):
AMD EPYC, AVX2 without VNNI: onnx-int8 1.68-1.86x, openvino-int8 1.17x (docs/benchmarks.md). Intel Xeon with
AVX-512 VNNI and AMX: onnx-int8 1.97x, openvino-int8 3.32x (/work/shared/MEASURED.md). OpenVINO's int8 GEMMs
need VNNI/AMX to beat its own fp32 kernels, so it leads only on hosts with hardware int8 dot products.
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
    """The candidates in order: OpenVINO int8 on hosts with int8 dot products, then ONNX int8, then fp32 torch."""
    order = ["openvino-int8"] if host.int8_dot and openvino else []
    order += ["onnx-int8", "torch"] if onnx else ["torch"]
    return Choice(order[0], reason, tuple(order))


def embedding_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The CPU embedding backends for `auto`, fastest first, with the reason for the first."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.index import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg.index import openvino_encoder

        openvino = openvino_encoder.available()
    if host.int8_dot and openvino:
        reason = (
            f"{host.kind} host (hardware int8 dot products) with OpenVINO installed: static int8 measured 3.32x "
            "naive on an AMX Xeon, onnx-int8 1.97x"
        )
    elif host.int8_dot and onnx:
        reason = (
            f"{host.kind} host but OpenVINO is not installed: onnx-int8 (pip install 'paperkg[openvino]' for the "
            "path measured 3.32x naive on an AMX Xeon vs 1.97x)"
        )
    elif onnx:
        reason = (
            f"{host.kind} host without VNNI/AMX: onnx-int8 (1.7-1.9x naive on AVX2; openvino-int8 only 1.17x there)"
        )
    else:
        reason = _NO_ONNX
    return _choice(host, onnx, openvino, reason)


def tagger_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The tagger's encoder backends for `auto`, fastest first; each int8 one is kept only if it passes the
    entity/relation F1 gate on this host (graph/tagger/gate.py), else the next is tried."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.graph.tagger import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg import encoding

        openvino = encoding.openvino_installed()
    gated = "kept only if it passes the entity/relation F1 gate on this host"
    if host.int8_dot and openvino:
        reason = (
            f"{host.kind} host (hardware int8 dot products) with OpenVINO installed: static int8 encoder (the "
            f"embedding's fastest path there), {gated}"
        )
    elif onnx:
        why = "OpenVINO is not installed" if host.int8_dot else "no VNNI/AMX, where OpenVINO int8 is slower"
        reason = f"{host.kind} host, {why}: int8 ONNX encoder, {gated}"
    else:
        reason = _NO_ONNX
    return _choice(host, onnx, openvino, reason)
