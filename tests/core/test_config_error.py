"""Configuration problems raise ConfigError: named, a ValueError for older callers, exit 1 and HTTP 500."""

from __future__ import annotations

import pytest
from paperkg.cli.main import app
from paperkg.errors import ConfigError
from paperkg.graph.tagger.inference import resolve_backend as tagger_backend
from paperkg.index.dense import make_index
from paperkg.index.encoder import resolve_backend, resolve_device
from paperkg.settings import load_settings
from typer.testing import CliRunner


def test_config_file_that_is_not_toml_names_the_file(tmp_path) -> None:
    (tmp_path / "config.toml").write_text("fusion = [unclosed\n")
    with pytest.raises(ConfigError, match="config.toml: not valid TOML"):
        load_settings(tmp_path)
    result = CliRunner().invoke(app, ["config", "--home", str(tmp_path)])
    assert result.exit_code == 1
    assert "error:" in result.output and "config.toml" in result.output


@pytest.mark.parametrize(
    "call",
    [
        lambda: resolve_device("tpu", cuda_available=False),
        lambda: resolve_device("cuda", cuda_available=False),
        lambda: resolve_backend("int4", "cpu", fast_available=True),
        lambda: tagger_backend("int4"),
        lambda: make_index("hnsw", 8),
    ],
)
def test_unknown_or_unusable_backends_are_config_errors(call) -> None:
    with pytest.raises(ConfigError) as info:
        call()
    assert isinstance(info.value, ValueError) and info.value.http_status == 500
