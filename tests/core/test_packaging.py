"""A wheel built from the project holds every data file of the package folders, and building it warns about nothing."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# files in package folders that are documentation for readers of the repository, not package data
NOT_SHIPPED = {"README.md"}


def _setuptools_ok() -> bool:
    """The build needs the setuptools of [build-system] requires; without isolation it is the installed one."""
    try:
        from importlib.metadata import version

        major = int(version("setuptools").split(".")[0])
    except Exception:
        return False
    return major >= 77


def _package_folders() -> dict[str, Path]:
    """Top-level import name -> source folder, from [tool.setuptools] package-dir."""
    return {name: ROOT / folder for name, folder in PYPROJECT["tool"]["setuptools"]["package-dir"].items()}


def _expected_files() -> set[str]:
    """Every file under the package folders, as a path inside the wheel (paperkg/...)."""
    folders = _package_folders()
    expected: set[str] = set()
    for name, folder in folders.items():
        nested = [other for other in folders.values() if other != folder and folder in other.parents]
        for path in folder.rglob("*"):
            if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
                continue
            if path.name in NOT_SHIPPED or any(n in path.parents for n in nested):
                continue
            expected.add("/".join([*name.split("."), *path.relative_to(folder).parts]))
    return expected


def test_wheel_contains_every_package_file_and_builds_without_warnings(tmp_path: Path) -> None:
    if not _setuptools_ok():
        if os.environ.get("CI") == "true":
            pytest.fail("setuptools>=77 is needed to build the wheel (scripts/setup_env.sh installs it)")
        pytest.skip("setuptools<77 in this environment; scripts/setup_env.sh installs a newer one")
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, src / name)
    for folder in {p.relative_to(ROOT).parts[0] for p in _package_folders().values()}:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    out = tmp_path / "dist"
    out.mkdir()
    # the backend called directly, without build isolation: no network, and its warnings reach stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-W",
            "default",
            "-c",
            "import sys, setuptools.build_meta as b; print(b.build_wheel(sys.argv[1]))",
            str(out),
        ],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=600,
        # with PYTHONDONTWRITEBYTECODE set, distutils says "warning: byte-compiling is disabled": not a defect
        env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    noise = [line for line in (proc.stdout + proc.stderr).splitlines() if "warning" in line.lower()]
    assert not noise, "setuptools warned while building the wheel:\n" + "\n".join(noise[:20])
    wheel = out / proc.stdout.strip().splitlines()[-1]
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
        meta = zf.read(metadata).decode()
    missing = sorted(_expected_files() - names)
    assert not missing, f"files not in the wheel (declare them in [tool.setuptools.package-data]): {missing}"
    for data_file in (
        "paperkg/api/static/index.html",
        "paperkg/api/static/vendor/cytoscape.min.js",
        "paperkg/catalog/migrations/0001_papers.sql",
        "paperkg/graph/tagger/weights/model.safetensors",
    ):
        assert data_file in names
    assert "License-Expression: MIT" in meta
