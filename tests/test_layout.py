"""The direction of imports: the read and write sides never reach up to the site or the CLI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

UPPER = ("app", "web", "cli")


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, absolute names (relative imports are not used here)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def top_levels(path: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(path)}


@pytest.mark.parametrize("package", ["archive", "indexer"])
def test_library_never_imports_the_site_or_the_cli(package):
    files = sorted((ROOT / package).rglob("*.py"))
    assert files
    forbidden = {str(f.relative_to(ROOT)): sorted(top_levels(f) & set(UPPER))
                 for f in files if top_levels(f) & set(UPPER)}
    assert forbidden == {}


def test_archive_never_imports_flask():
    # werkzeug.security (password hashes in archive/editors.py) is a library, not the web layer.
    users = [str(f.relative_to(ROOT)) for f in sorted((ROOT / "archive").rglob("*.py"))
             if "flask" in top_levels(f)]
    assert users == []



def test_only_the_serve_command_imports_the_app():
    users = sorted(str(f.relative_to(ROOT)) for pkg in ("archive", "indexer", "web", "cli")
                   for f in (ROOT / pkg).rglob("*.py") if "app" in top_levels(f))
    assert users == ["cli/serve.py"]
