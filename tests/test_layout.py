"""The package's shape (issue 15): stages import downwards only, and no module grows into a
grab-bag. The contracts live in pyproject.toml ([tool.importlinter]); ARCHITECTURE.md draws them."""

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cardpipe"
MAX_LINES = 500
REASON = "Why this module is long:"  # a module over MAX_LINES says why at its top


def test_stages_import_downwards_only():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    assert lint, "lint-imports not found: `make test` installs import-linter (the test extra)"
    done = subprocess.run([lint, "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 kept, 0 broken" in done.stdout


def test_long_modules_say_why():
    too_long = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > MAX_LINES and REASON not in doc:
            too_long.append(f"{path.relative_to(ROOT)} ({lines} lines)")
    assert not too_long, f"split these, or say at their top '{REASON} ...': {too_long}"


def test_every_stage_package_says_what_it_holds():
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), f"{init} has no docstring"


def test_the_layer_check_catches_an_upward_import(tmp_path):
    """The contract is not vacuous: a copy of the package where `fields` imports the inbox
    run is refused."""
    copy = tmp_path / "cardpipe"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "models"))
    with open(copy / "fields" / "title.py", "a", encoding="utf-8") as f:
        f.write("\nfrom ..inbox import run as _upward  # noqa\n")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent)) or shutil.which("lint-imports")
    env = {"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    done = subprocess.run([lint, "--no-cache"], cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode != 0
    assert "cardpipe.fields is not allowed to import cardpipe.inbox.run" in done.stdout, done.stdout[-2000:]
