"""What goldfleet prints for people shows a user's or Azure's strings exactly as they are: Rich
reads no markup and no emoji in them (a ``[/]`` in a release name once crashed ``goldfleet image
version show``), in messages, tables and trees alike; and the source keeps it so: markup comes
only from templates written in the code, read in one place (``goldfleet.cli.output.styled``)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from goldfleet.cli import output
from goldfleet.cli.changes import render_plan
from goldfleet.cli.main import app
from goldfleet.cli.output import print_error, styled
from goldfleet.domain.errors import UserInputError
from tests.config.support import BASE

HOSTILE = ["[/]", "[bold red]x", ":100:", "[link=http://x]y", "back\\", "\\[b]", "{}"]
LINE = " ".join(HOSTILE)
SRC = Path(__file__).resolve().parents[2] / "src" / "goldfleet"
runner = CliRunner()


@pytest.fixture
def wide(monkeypatch):
    """Both consoles 300 columns wide, so that a table shows each cell on one line."""
    for console in (output.console, output.err_console):
        monkeypatch.setattr(console, "width", 300)


@pytest.mark.parametrize("value", HOSTILE)
def test_styled_fills_its_fields_with_values_as_they_are(value):
    text = styled("[red]{}[/]: {} [bold]({count:>3})[/]", value, value, count=7)
    assert text.plain == f"{value}: {value} (  7)"
    red = [s for s in text.spans if s.style == "red"]
    assert [(s.start, s.end) for s in red] == [(0, len(value))]


def test_styled_keeps_the_templates_own_styles_and_escapes():
    console = Console(color_system="standard", force_terminal=True, width=80)
    with console.capture() as captured:
        console.print(styled("[green]ok[/] \\[literal] {}", "[red]"))
    assert captured.get() == "\x1b[32mok\x1b[0m [literal] [red]\n"


def test_print_error_shows_markup_and_emoji_in_a_message_literally():
    with output.err_console.capture() as captured:
        print_error(UserInputError(f"no release {LINE}", hint=f"try {LINE}"))
    assert captured.get() == f"error: no release {LINE}\nhint: try {LINE}\n"


def test_a_tenant_table_shows_a_display_name_literally(tmp_path, wide):
    config = tmp_path / "config.yaml"
    config.write_text(BASE.replace("displayName: MSP", f"displayName: '{LINE}'"))
    result = runner.invoke(app, ["tenant", "list", "-c", str(config), "-o", "table"])
    assert result.exit_code == 0, result.output
    assert LINE in result.output


def test_validate_summarises_a_display_name_literally(tmp_path, wide):
    config = tmp_path / "config.yaml"
    config.write_text(BASE.replace("displayName: MSP", f"displayName: '{LINE}'"))
    result = runner.invoke(app, ["validate", str(config)])
    assert result.exit_code == 0, result.output
    assert f"valid: {config} (1 file, 7 documents)" in result.output
    assert LINE in result.output


def test_a_plan_tree_shows_names_and_reasons_literally(wide):
    change = {
        "tenant": LINE,
        "subscriptionId": "sub",
        "action": "create",
        "kind": "resourceGroup",
        "resourceId": "/subscriptions/sub/resourceGroups/rg-[/]",
        "reason": LINE,
    }
    data = {
        "changes": [change],
        "summary": {"create": 1, "no-op": 0},
        "problems": [LINE],
        "hash": "0123456789abcdef",
    }
    with output.console.capture() as out, output.err_console.capture() as err:
        render_plan(data)
    assert f"{LINE}  (1 create)" in out.get()
    assert f"+ resourceGroup resourceGroups/rg-[/]  {LINE}" in out.get()
    assert err.get() == f"problem: {LINE}\n"


def test_image_version_show_of_a_name_with_markup_answers_with_it_literally(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "goldfleet", "image", "version", "show", LINE],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "GOLDFLEET_STATE_DIR": str(tmp_path), "COLUMNS": "300"},
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: no provenance for {LINE}:")


# --- the source ---------------------------------------------------------------------------------

PRINTING_MODULES = sorted([*SRC.glob("cli/*.py"), SRC / "api" / "demo.py"])
OUTPUT = SRC / "cli" / "output.py"


def _calls(tree: ast.AST, name: str) -> list[ast.Call]:
    return [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == name)
            or (isinstance(node.func, ast.Attribute) and node.func.attr == name)
        )
    ]


def _constant_template(node: ast.expr, constants: set[str]) -> bool:
    """A string written in the code: a literal, a choice between literals, or an entry of a
    module-level UPPER_CASE table of them."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.IfExp):
        return _constant_template(node.body, constants) and _constant_template(
            node.orelse, constants
        )
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
        return node.value.id in constants
    return isinstance(node, ast.Name) and node.id in constants


def _literal_tables(tree: ast.Module) -> set[str]:
    """Module-level UPPER_CASE names bound to a string or a dict of strings."""
    names = set()
    for statement in tree.body:
        if isinstance(statement, ast.Assign | ast.AnnAssign) and statement.value is not None:
            targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
            value = statement.value
            literal = (isinstance(value, ast.Constant) and isinstance(value.value, str)) or (
                isinstance(value, ast.Dict)
                and all(
                    isinstance(v, ast.Constant) and isinstance(v.value, str) for v in value.values
                )
            )
            names |= {
                t.id for t in targets if isinstance(t, ast.Name) and t.id.isupper() and literal
            }
    return names


@pytest.mark.parametrize("module", PRINTING_MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_markup_is_read_only_from_templates_in_the_code(module):
    tree = ast.parse(module.read_text())
    found = []
    if module != OUTPUT:
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "rich.markup":
                found.append("imports rich.markup")
        found += ["builds a Console" for _ in _calls(tree, "Console")]
        found += ["reads markup itself" for _ in _calls(tree, "from_markup")]
    for call in ast.walk(tree):
        if isinstance(call, ast.Call):
            for keyword in call.keywords:
                if keyword.arg in ("markup", "emoji") and not (
                    isinstance(keyword.value, ast.Constant) and keyword.value.value is False
                ):
                    found.append(f"line {call.lineno}: {keyword.arg}= other than False")
    constants = _literal_tables(tree)
    for call in _calls(tree, "styled"):
        if call.args and not _constant_template(call.args[0], constants):
            found.append(f"line {call.lineno}: styled's template is not written in the code")
    for call in _calls(tree, "TextColumn"):  # it reads markup from its format by default
        template = call.args[0] if call.args else None
        if not (isinstance(template, ast.Constant) and "{" not in str(template.value)):
            found.append(f"line {call.lineno}: TextColumn formats data")
    assert found == []
