"""Every command, including ones added later, has --help text with an example; usage
errors exit 64 with one line and no traceback."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from cardpipe.cli import cli


def all_commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        path = (*prefix, name)
        out.append(path)
        if isinstance(cmd, click.Group):
            out += all_commands(cmd, path)
    return out


COMMANDS = all_commands()


def test_the_commands_users_were_promised_exist():
    names = {" ".join(c) for c in COMMANDS}
    assert {"run", "extract", "contacts", "due", "followup", "export"} <= names


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_has_an_example(path):
    r = CliRunner().invoke(cli, [*path, "--help"])
    assert r.exit_code == 0, r.output
    assert "Example" in r.output, f"'cardpipe {' '.join(path)} --help' shows no example"
    assert f"cardpipe {path[-1]}" in r.output or f"cardpipe {' '.join(path)}" in r.output


@pytest.mark.parametrize(
    "args",
    [["run", "--no-such-flag"], ["due", "--days", "soon"], ["followup"], ["export", "--format", "xls"], ["nonsense"]],
)
def test_usage_errors_exit_64_without_traceback(args):
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 64, r.output
    assert "Traceback" not in r.output
