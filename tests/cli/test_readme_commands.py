"""The CLI against its documentation and itself: every `paperkg` command line in the README is accepted (the cheap
ones are run on a tiny home), help shows no typer artefacts, and one mistake gives one message and exit code."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import click
import pytest
import typer.main
from paperkg.cli.main import app
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ROOT_CMD = typer.main.get_command(app)
# verbs cheap enough to run on a tiny home; every other command line is parsed (click's make_context) only
RUN = {"config", "stats", "quarantine", "show", "search", "similar", "related", "recommend", "entity"}
SHELL_SEPARATORS = {"&&", "||", ";", "|"}
ARXIV_ID = re.compile(r"\b\d{4}\.\d{4,5}\b")
# typer 0.29 vendors its own click: its usage errors are not click's classes
CLICK_ERRORS = tuple(c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException") or (click.ClickException,)
PLACEHOLDER = re.compile(r"^[A-Z][A-Z0-9_]*(\.\.\.)?$")  # ID, PATH..., QUERY: a synopsis, not a real value


def _code_lines(text: str) -> list[tuple[int, str, bool]]:
    """(line number, shell line, inline) for each line of the fenced code blocks, backslash continuations joined,
    and for inline code spans that start with `paperkg ` (often just a verb named in prose: options checked only)."""
    out: list[tuple[int, str, bool]] = []
    fenced, pending, start = False, "", 0
    for no, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            if not pending:
                start = no
            if line.rstrip().endswith("\\"):
                pending += line.rstrip()[:-1] + " "
                continue
            out.append((start, pending + line, False))
            pending = ""
        else:
            out += [(no, span, True) for span in re.findall(r"`([^`]+)`", line) if span.startswith("paperkg ")]
    return out


def _commands(line: str) -> list[list[str]]:
    """The argument lists of each `paperkg` (or `.venv/bin/paperkg`) command in a shell line."""
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:  # an unbalanced quote in prose-like code: nothing to check
        return []
    commands: list[list[str]] = []
    current: list[str] | None = None
    for tok in tokens:
        if tok in SHELL_SEPARATORS:
            current = None
        elif Path(tok).name == "paperkg":
            current = []
            commands.append(current)
        elif current is not None:
            current.append(tok)
    return commands


def readme_commands() -> list[tuple[str, list[str], bool]]:
    """(where, arguments after `paperkg`, inline) for every command shown in the README."""
    found = []
    for no, line, inline in _code_lines(README.read_text(encoding="utf-8")):
        for args in _commands(line):
            found.append((f"README.md:{no}: {line.strip()}", args, inline))
    return found


def _is_synopsis(args: list[str]) -> bool:
    return any(
        any(c in a for c in "[]|<>") or "..." in a or (PLACEHOLDER.match(a) and not a.startswith("-")) for a in args
    )


def _resolve(args: list[str]) -> tuple[click.Command, list[str], list[str]]:
    """Walk the group tree: (leaf command, its arguments, the verb path)."""
    cmd: click.Command = ROOT_CMD
    path: list[str] = []
    rest = list(args)
    while getattr(cmd, "commands", None):
        while rest and rest[0].startswith("-"):  # group options (paperkg -v search ...)
            rest.pop(0)
        if not rest:
            break
        sub = cmd.commands.get(rest[0])  # type: ignore[attr-defined]
        if sub is None:
            raise AssertionError(f"no command {' '.join([*path, rest[0]])!r} (known: {sorted(cmd.commands)})")  # type: ignore[attr-defined]
        path.append(rest.pop(0))
        cmd = sub
    return cmd, rest, path


def _option_names(cmd: click.Command) -> set[str]:
    return {"--help"} | {o for p in cmd.params for o in [*p.opts, *p.secondary_opts] if o.startswith("-")}


def _parse(args: list[str]) -> None:
    """Parse a concrete command line the way the CLI would, without running it."""
    ctx = ROOT_CMD.make_context("paperkg", list(args))
    cmd = ROOT_CMD
    while getattr(cmd, "commands", None):
        rest = [*getattr(ctx, "_protected_args", []), *ctx.args]
        if not rest:
            return
        name, cmd, rest = cmd.resolve_command(ctx, rest)  # type: ignore[attr-defined,assignment]
        ctx = cmd.make_context(name, rest, parent=ctx)


@pytest.fixture(scope="module")
def tiny_home(tmp_path_factory: pytest.TempPathFactory, sample_lines: list[bytes]) -> Path:
    """30 sample papers, among them every arXiv id the README's commands name; indexed and graphed, no tagger."""
    from paperkg.catalog import open_catalog
    from paperkg.pipeline import run_ingest
    from paperkg.settings import load_settings

    wanted = {m for _, args, _ in readme_commands() for a in args for m in ARXIV_ID.findall(a)}
    picked = [line for line in sample_lines if json.loads(line)["id"] in wanted]
    home = tmp_path_factory.mktemp("readme-home")
    src = home / "tiny.jsonl"
    src.write_bytes(b"".join(sample_lines[:10] + sample_lines[-20:] + picked))
    settings = load_settings(home, tagger=False)
    with open_catalog(settings.catalog_path) as catalog:
        run_ingest(catalog, settings, [src], progress=False)
    return home


def test_readme_has_commands() -> None:
    verbs = {args[0] for _, args, _ in readme_commands() if args}
    assert {"ingest", "search", "serve", "related"} <= verbs, verbs


def test_every_readme_command_is_accepted(tiny_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # relative paths in the README are relative to the repository
    monkeypatch.setenv("PAPERKG_HOME", str(tiny_home))
    runner = CliRunner()
    failures: list[str] = []
    ran = 0
    for where, args, inline in readme_commands():
        try:
            cmd, rest, path = _resolve(args)
            known = _option_names(cmd)
            for tok in rest:
                opt = tok.strip("[](){}").split("=", 1)[0]
                if opt.startswith("-") and len(opt) > 1 and opt not in known:
                    raise AssertionError(f"paperkg {' '.join(path)} has no option {opt} (it has {sorted(known)})")
            if inline or _is_synopsis(args):
                continue
            _parse(args)
        except (AssertionError, *CLICK_ERRORS) as exc:
            msg = str(exc) if isinstance(exc, AssertionError) else exc.format_message()  # type: ignore[attr-defined]
            failures.append(f"{where}\n    -> {msg}")
            continue
        if path and path[0] in RUN and len(path) == 1:
            result = runner.invoke(app, args)
            ran += 1
            data_dependent = path[0] == "entity" and "unknown entity" in result.output  # no tagger on this home
            if result.exit_code != 0 and not data_dependent:
                failures.append(f"{where}\n    -> exit {result.exit_code}: {result.output.strip()[-500:]}")
    assert not failures, "README commands the CLI rejects:\n" + "\n".join(failures)
    assert ran >= 3


def test_help_has_no_typer_artefacts() -> None:
    runner = CliRunner()

    def walk(cmd: click.Command, path: list[str]) -> None:
        out = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "160"}).output
        assert "<bool>" not in out, f"paperkg {' '.join(path)} --help shows <bool>"
        usage = next(line for line in out.splitlines() if "Usage:" in line)
        assert "{" not in usage, f"paperkg {' '.join(path)} --help: {usage.strip()}"
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(ROOT_CMD, [])
    assert "Exit codes" in runner.invoke(app, ["--help"]).output


def test_k_is_spelled_the_same_everywhere() -> None:
    def walk(cmd: click.Command, path: list[str]) -> list[str]:
        bad = []
        names = _option_names(cmd)
        if ("-k" in names) != ("--k" in names):
            bad.append(" ".join(path))
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            bad += walk(sub, [*path, name])
        return bad

    assert walk(ROOT_CMD, []) == []


@pytest.mark.parametrize(
    "args",
    [["show", "nope"], ["similar", "nope"], ["related", "nope"], ["recommend", "--positive", "nope"]],
)
def test_unknown_paper_id_is_one_error(tiny_home: Path, args: list[str]) -> None:
    result = CliRunner().invoke(app, [*args, "--home", str(tiny_home)])
    assert result.exit_code == 2
    assert result.output.strip() == "error: unknown paper id 'nope'"


def test_search_fusion_option(tiny_home: Path) -> None:
    runner = CliRunner()
    base = ["search", "black hole", "--home", str(tiny_home), "--json", "-k", "5"]
    convex = json.loads(runner.invoke(app, base).output)["results"]
    rrf = json.loads(runner.invoke(app, [*base, "--fusion", "rrf"]).output)["results"]
    assert rrf and all(r["score"] < 0.05 for r in rrf)  # 1/(60 + rank) sums, not min-max scores
    assert convex[0]["score"] > 0.3
    bad = runner.invoke(app, [*base, "--fusion", "nope"])
    assert bad.exit_code == 2 and "--fusion" in bad.output


def test_missing_input_path_fails_before_any_work(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["ingest", str(tmp_path / "nope.jsonl"), "--home", str(tmp_path / "h")])
    assert result.exit_code == 2
    assert "nope.jsonl" in result.output and "new" not in result.output
    assert not (tmp_path / "h" / "catalog.sqlite").exists()


def test_listing_tables_wrap_titles_with_a_header(tiny_home: Path) -> None:
    runner = CliRunner()
    found = runner.invoke(app, ["search", "quantum", "--home", str(tiny_home), "-k", "5"], env={"COLUMNS": "60"})
    assert found.exit_code == 0, found.output
    first = json.loads(runner.invoke(app, ["search", "quantum", "--home", str(tiny_home), "-k", "5", "--json"]).output)[
        "results"
    ][0]
    words = " ".join(found.output.split())
    assert "# id" in words and "cosine" in words
    for word in first["title"].split()[:12]:  # wrapped over lines, never cut
        if len(word) < 20:
            assert word in found.output
