"""Library chatter is off by default (transformers' load reports and tokenizer warnings, onnxruntime's quantizer
hints, export warnings) and back with -v; paperkg's own notices and every error still show."""

from __future__ import annotations

import logging
import os
import warnings

import pytest
from paperkg import verbosity


@pytest.fixture(autouse=True)
def _restore(monkeypatch: pytest.MonkeyPatch):
    for name in ("TRANSFORMERS_VERBOSITY", "HF_HUB_DISABLE_PROGRESS_BARS", verbosity.VERBOSE_ENV):
        monkeypatch.setenv(name, "")  # recorded, so that what the test sets is undone afterwards
        monkeypatch.delenv(name)
    saved = warnings.filters[:]
    yield
    verbosity.configure(False)  # back to the quiet default the other tests run with
    warnings.filters[:] = saved
    logging.getLogger().removeFilter(verbosity._FILTER)


def _record(path: str, level: int) -> logging.LogRecord:
    return logging.LogRecord("root", level, path, 1, "Please consider to run pre-processing", None, None)


def test_quiet_by_default_and_verbose_on_request() -> None:
    transformers_logging = pytest.importorskip("transformers.utils.logging")
    root = logging.getLogger()
    quantizer = f"{os.sep}site-packages{os.sep}onnxruntime{os.sep}quantization{os.sep}quantize.py"

    verbosity.configure(False)
    assert os.environ["TRANSFORMERS_VERBOSITY"] == "error" and os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] == "1"
    assert transformers_logging.get_verbosity() == logging.ERROR  # the LOAD REPORT and length warnings are warnings
    assert not root.filter(_record(quantizer, logging.WARNING))
    assert root.filter(_record(quantizer, logging.ERROR))  # errors always show
    assert root.filter(_record("/src/paperkg/graph/tagger/fast_encoder.py", logging.WARNING))  # our notices show
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        verbosity.configure(False)  # filters go in front of the "default" one
        warnings.warn_explicit("tracer", UserWarning, "masking_utils.py", 1, module="transformers.masking_utils")
        warnings.warn_explicit("ours", UserWarning, "x.py", 1, module="paperkg.index.search")
    assert [str(w.message) for w in caught] == ["ours"]

    verbosity.configure(True)
    assert verbosity.is_verbose() and "TRANSFORMERS_VERBOSITY" not in os.environ
    assert transformers_logging.get_verbosity() == logging.WARNING
    assert root.filter(_record(quantizer, logging.WARNING))


def test_cli_verbose_flag(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from paperkg.cli.main import app
    from typer.testing import CliRunner

    runner = CliRunner()
    assert runner.invoke(app, ["config", "--home", str(tmp_path)]).exit_code == 0
    assert not verbosity.is_verbose()
    assert runner.invoke(app, ["-v", "config", "--home", str(tmp_path)]).exit_code == 0
    assert verbosity.is_verbose()
