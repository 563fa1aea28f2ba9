"""Who writes what (the README's layout section): the read side writes nothing but what
editors record, and never imports the write side."""

from __future__ import annotations

import ast
import re

from tests.conftest import ROOT

WRITES = re.compile(r"\b(INSERT|UPDATE|DELETE|REPLACE INTO|CREATE|DROP)\b")
# catalog.py creates the schema when it opens a catalog; editors.py records editors'
# accounts and link reviews; findings.py what editors keep while they work (tags, stars,
# notes, saved searches: editors' records like reviews, kept apart so editors.py stays about
# accounts and links). No other read-side module changes the catalog.
READ_SIDE_WRITERS = {"archive/catalog.py", "archive/editors.py", "archive/findings.py"}


def _strings(path) -> list[str]:
    tree = ast.parse(path.read_text("utf-8"))
    return [node.value for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_only_the_named_read_side_modules_write_sql():
    writers = {str(p.relative_to(ROOT)) for p in (ROOT / "archive").rglob("*.py")
               if any(WRITES.search(s) for s in _strings(p))}
    assert writers == READ_SIDE_WRITERS


def test_the_read_side_never_imports_the_write_side():
    for path in (ROOT / "archive").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith(("indexer", "flask", "app", "web", "cli")), \
                    f"{path.relative_to(ROOT)} imports {name}"
