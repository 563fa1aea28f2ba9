"""The alias table's file: its rows, read by the alias table and by the analyzer, which
keeps the one-word names it lists whole instead of stemming them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

ALIAS_FILE = Path(__file__).resolve().parent / "data" / "aliases.tsv"
# Kinds of entity a query is widened with, and whose one-word spellings are never stemmed
# (concepts, such as "security", are themes: they widen nothing and are stemmed as words).
NAME_KINDS = ("person", "name", "organisation", "place", "event")


def alias_rows(path: Path = ALIAS_FILE) -> Iterator[tuple[str, str, list[str]]]:
    """(entity id, kind, spellings) for each row of the tab-separated table; spellings are
    split by '|'; blank lines, '#' comments and the header are skipped."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#") or line.startswith("id\t"):
            continue
        cols = line.split("\t")
        spellings = [s.strip() for col in cols[2:] for s in col.split("|") if s.strip()]
        yield cols[0], cols[1], list(dict.fromkeys(spellings))
