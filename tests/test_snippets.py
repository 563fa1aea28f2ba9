"""Snippets: the window around the first match, and bounded work per hit."""

from __future__ import annotations

from archive.analysis import fold_and_stem
from archive.model import Page
from archive.snippets import SCAN_CHARS, make_snippets


def test_snippet_marks_every_match_in_its_window_only():
    text = "The library of the valley. " + "word " * 40 + "library books " + "filler " * 2000
    [snippet] = make_snippets([Page(2, text)], frozenset({fold_and_stem("library")}))
    assert snippet.page == 2 and snippet.text.startswith("The [[library]] of the valley.")
    assert snippet.text.count("[[") == 1  # the second match is past this window


def test_snippets_read_pages_lazily_and_stop_at_the_scan_budget():
    read = []

    def pages():
        for n in range(1, 1000):
            read.append(n)
            yield Page(n, "filler words about nothing " * 2000)  # about 54,000 characters

    terms = frozenset({fold_and_stem("caravan")})
    assert make_snippets(pages(), terms) == []  # a hit matched by its title alone
    assert len(read) <= SCAN_CHARS // 54_000 + 1
    read.clear()
    found = make_snippets((Page(n, "the caravan arrived") for n in range(1, 1000)), terms)
    assert [s.page for s in found] == [1, 2, 3]
