"""Library chatter off by default (model load reports, quantization hints, tokenizer length warnings); `-v` shows it."""

from __future__ import annotations

import logging
import os
import sys
import warnings

VERBOSE_ENV = "PAPERKG_VERBOSE"
_ENV_DEFAULTS = {
    # transformers reads these when it is first imported: its own log level and its "Loading weights" bars
    "TRANSFORMERS_VERBOSITY": "error",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}
# modules whose warnings are hints for library developers, not for a paperkg user: onnxruntime's quantizer logs
# "Please consider to run pre-processing before quantization" on the root logger for every int8 model we build
_QUIET_MODULES = (f"{os.sep}onnxruntime{os.sep}", f"{os.sep}onnx{os.sep}")
# Python warnings raised inside these packages while a model is exported or loaded (TracerWarning from the
# ONNX export of transformers code, opset notes): about library internals, and the exported model is validated;
# ranx's numba kernels warn "unsafe cast from uint64 to int64" on every nDCG (our ranks are small integers)
_QUIET_WARNINGS = r"(torch\.onnx|transformers|onnxruntime|onnx|ranx)(\.|$)"


class _LibraryNoise(logging.Filter):
    """Drops warnings and below that a quiet library module logs through the root logger."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno > logging.WARNING or not any(m in record.pathname for m in _QUIET_MODULES)


_FILTER = _LibraryNoise()


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (test runners swap it), like logging's last resort."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(message)s"))

    @property
    def stream(self):  # noqa: ANN201
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def is_verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "").lower() in ("1", "true", "yes")


def configure(verbose: bool | None = None) -> None:
    """Quiet (default) or verbose library logging for this process and the processes it starts.

    Quiet keeps errors: a model that cannot load still says why. Explicit user settings of the variables win.
    """
    if verbose is None:
        verbose = is_verbose()
    root = logging.getLogger()
    if not root.handlers:
        # plain "message" lines for paperkg's own notices; also keeps a library's bare logging.warning() from
        # installing logging's "WARNING:root:..." default handler
        root.addHandler(_StderrHandler())
    if verbose:
        os.environ[VERBOSE_ENV] = "1"  # uvicorn workers and Ray tasks inherit it
        for name, quiet in _ENV_DEFAULTS.items():
            if os.environ.get(name) == quiet:
                del os.environ[name]
        root.removeFilter(_FILTER)
        warnings.filters[:] = [
            f for f in warnings.filters if not (f[0] == "ignore" and getattr(f[3], "pattern", None) == _QUIET_WARNINGS)
        ]
        level = logging.WARNING
    else:
        for name, quiet in _ENV_DEFAULTS.items():
            os.environ.setdefault(name, quiet)
        root.addFilter(_FILTER)
        warnings.filterwarnings("ignore", module=_QUIET_WARNINGS)
        level = logging.ERROR
    if "transformers" in sys.modules:  # imported already (tests, a long-lived process): the variables came too late
        from transformers.utils import logging as hf_logging

        hf_logging.set_verbosity(level)
        (hf_logging.enable_progress_bar if verbose else hf_logging.disable_progress_bar)()
