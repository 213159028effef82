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


def test_every_module_imports_on_its_own():
    """No import cycle hides behind an import order: each module is imported first, alone."""
    modules = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in PACKAGE.rglob("*.py")
    )
    script = (
        "import importlib, sys\n"
        "bad = []\n"
        "for name in sys.argv[1:]:\n"
        "    for m in [m for m in sys.modules if m == 'cardpipe' or m.startswith('cardpipe.')]:\n"
        "        del sys.modules[m]\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except Exception as e:\n"
        "        bad.append(f'{name}: {type(e).__name__}: {e}')\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *modules], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    assert len(modules) > 40


def test_the_store_is_used_through_its_protocol():
    """Outside `contacts/`, code holds a `Store` (a second backend plugs in by implementing
    it); the SQLite store implements every method of the protocol with the same parameters."""
    import inspect

    from cardpipe.contacts.store import SqliteStore, Store

    named = [
        str(p.relative_to(ROOT))
        for p in PACKAGE.rglob("*.py")
        if "contacts" not in p.parts and "SqliteStore" in p.read_text(encoding="utf-8")
    ]
    assert named == []
    store = SqliteStore(":memory:")
    try:
        assert isinstance(store, Store)
        for name, member in inspect.getmembers(Store, inspect.isfunction):
            if name.startswith("_"):
                continue
            want = list(inspect.signature(member).parameters)
            got = list(inspect.signature(getattr(SqliteStore, name)).parameters)
            assert got == want, f"SqliteStore.{name}{got} differs from Store.{name}{want}"
    finally:
        store.close()
