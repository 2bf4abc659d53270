"""Which CPU backend `auto` picks on this host, and why: CPU flags (paperkg.hostinfo) and installed runtimes.

Measured ratios behind the order (embedding, vs naive `SentenceTransformer.encode`, same run per host):
AMD EPYC, AVX2 without VNNI: onnx-int8 1.86x, openvino-int8 1.17x (docs/benchmarks.md). Intel Xeon with
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


def embedding_choice(host: CpuInfo | None = None, *, onnx: bool | None = None, openvino: bool | None = None) -> Choice:
    """The CPU embedding backends for `auto`, fastest first, with the reason for the first."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.index import fast_encoder

        onnx = fast_encoder.available()
    if openvino is None:
        from paperkg.index import openvino_encoder

        openvino = openvino_encoder.available()
    order: list[str] = []
    if host.int8_dot and openvino:
        order.append("openvino-int8")
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
        reason = f"{host.kind} host without VNNI/AMX: onnx-int8 (1.86x naive on AVX2; openvino-int8 only 1.17x there)"
    else:
        reason = "onnx and onnxruntime are not installed: exact fp32 torch (pip install 'paperkg[fast]')"
    if onnx:
        order.append("onnx-int8")
    order.append("torch")
    return Choice(order[0], reason, tuple(order))


def tagger_choice(host: CpuInfo | None = None, *, onnx: bool | None = None) -> Choice:
    """The tagger's encoder backends for `auto`: int8 ONNX where installed (gated on this host), else fp32."""
    host = host or cpu_info()
    if onnx is None:
        from paperkg.graph.tagger import fast_encoder

        onnx = fast_encoder.available()
    if not onnx:
        return Choice("torch", "onnx and onnxruntime are not installed: exact fp32 torch", ("torch",))
    return Choice(
        "onnx-int8",
        f"{host.kind} host: int8 ONNX encoder, kept only if it passes the entity/relation F1 gate on this host",
        ("onnx-int8", "torch"),
    )
