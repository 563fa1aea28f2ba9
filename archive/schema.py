"""The fields of the search index; the analyzers come from archive.analysis."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import datetime

from whoosh import columns, fields, formats
from whoosh.analysis import CompositeAnalyzer, RegexTokenizer

from archive.analysis import (
    FoldFilter,
    FoldStemFilter,
    fold,
    fold_and_stem,
    path_analyzer,
    text_analyzer,
)
from archive.catalog import MEMBER_SEP
from archive.model import IndexRecord

# How a document's words count in its length, by which both engines rank (archive.scoring,
# archive.xapian_index): each title, content, path and author word once, title words twice
# (their boost), and only the words Xapian can index: a term of at most MAX_TERM_BYTES bytes
# with its field's prefix (the prefixes of archive.xapian_query).
MAX_TERM_BYTES = 240  # Xapian refuses terms over 245 bytes
TEXT_PREFIX = {"content": "", "title": "S", "path": "XP", "author": "A"}
WDF = {"title": 2}  # the title field's boost: each title word counts twice


class Analysed(str):
    """The text of a title, content, path or author field with its index terms worked out
    once, when first asked for: its postings (AnalysedText.index, Xapian's document) and the
    document's length (DocumentLength) share them."""

    def __new__(cls, text: str, analyzer):
        value = super().__new__(cls, text)
        value.analyzer, value._positions = analyzer, None
        return value

    def __reduce__(self):  # Whoosh's multiprocess writer pickles documents: not the terms
        return (Analysed, (str(self), self.analyzer))

    def positions(self) -> dict[str, list[int]] | None:
        """Each index term and the positions of its words, as RegexTokenizer numbers them
        (every match counts, a word whose term is empty included); None when the analyzer
        is not one of archive.analysis's."""
        if self._positions is None:
            self._positions = _positions(self.analyzer, self)
        return self._positions


def _positions(analyzer, value: str) -> dict[str, list[int]] | None:
    term = _term_function(analyzer)
    if term is None:
        return None
    positions: dict[str, list[int]] = {}
    for pos, match in enumerate(analyzer.items[0].expression.finditer(value)):
        text = term(match.group(0))
        if text:
            held = positions.get(text)
            if held is None:
                positions[text] = [pos]
            else:
                held.append(pos)
    return positions


class AnalysedText(fields.TEXT):
    """A text field that indexes through Docket's analysis directly: the same terms,
    frequencies, weights and positions as Whoosh's token pipeline (a Token object passed
    through a generator per filter, per word), which took a third of the index writer's time
    (profiled on 2,000 generated documents). Any other analyzer takes Whoosh's way."""

    def index(self, value, **kwargs):
        positions = None
        if isinstance(value, str) and not kwargs and type(self.format) is formats.Positions:
            positions = value.positions() if isinstance(value, Analysed) and \
                value.analyzer == self.analyzer else _positions(self.analyzer, value)
        if positions is None:
            yield from super().index(value, **kwargs)
            return
        boost, encode = self.format.field_boost, self.format.encode
        for text, poslist in positions.items():
            yield text.encode("utf-8"), len(poslist), float(len(poslist)) * boost, \
                encode(poslist)


class DocumentLength(fields.COLUMN):
    """A column of each document's length (see WDF above), given as the document's
    Analysed fields: Whoosh keeps field lengths only as one byte standing for one of 256
    lengths, and Xapian ranks by the exact length of the whole document."""

    def __init__(self):
        super().__init__(columns.NumericColumn("I"))

    def to_column_value(self, value):
        return document_length(value)


_HEX_ID = re.compile(r"[0-9a-f]{1,16}")


def order_key(doc_id: str) -> int:
    """A document's place among those scoring the same, in both engines: its id's number
    (ids are 16 hex digits), or for another id a number made from it."""
    if _HEX_ID.fullmatch(doc_id):
        return int(doc_id, 16)
    return int.from_bytes(hashlib.blake2b(doc_id.encode("utf-8"), digest_size=8).digest(), "big")


def document_length(texts: dict[str, str]) -> int:
    """The length both engines rank a document by: its words as WDF counts them, field by
    field (texts: field name -> Analysed text)."""
    total = 0
    for name, text in texts.items():
        limit = MAX_TERM_BYTES - len(TEXT_PREFIX[name])
        positions = text.positions() if isinstance(text, Analysed) else None
        if positions is None:
            raise TypeError(f"the {name} field's text is not analysed by archive.analysis")
        total += WDF.get(name, 1) * sum(len(poslist) for term, poslist in positions.items()
                                        if len(term) * 4 <= limit or
                                        len(term.encode("utf-8")) <= limit)
    return total


def _term_function(analyzer):
    """fold_and_stem or fold when `analyzer` is one of archive.analysis's, else None."""
    if not isinstance(analyzer, CompositeAnalyzer) or len(analyzer.items) != 2 or \
            type(analyzer.items[0]) is not RegexTokenizer or analyzer.items[0].gaps:
        return None
    return {FoldStemFilter: fold_and_stem, FoldFilter: fold}.get(type(analyzer.items[1]))


def index_schema() -> fields.Schema:
    """The Whoosh schema. Full text is indexed but not stored: the catalog keeps it."""
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        title=AnalysedText(analyzer=text_analyzer(), stored=True, field_boost=2.0),
        content=AnalysedText(analyzer=text_analyzer(), stored=False),
        path=AnalysedText(analyzer=path_analyzer(), stored=False),
        paths=fields.STORED(),
        folder=fields.KEYWORD(commas=True, stored=False),
        mime=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        lang=fields.KEYWORD(stored=True, commas=True),
        author=AnalysedText(analyzer=path_analyzer(), stored=True),
        date=fields.DATETIME(stored=True),
        year=fields.ID(stored=False),
        pages=fields.NUMERIC(stored=True),
        status=fields.ID(stored=True),
        news=fields.ID(stored=False),
        parent=fields.ID(stored=True),
        size=fields.NUMERIC(stored=True, bits=64),
        words=DocumentLength(),
        order=fields.COLUMN(columns.NumericColumn("Q")),
    )


def folders_of(paths: Iterable[str]) -> list[str]:
    """Every folder prefix of the given paths ("letters", "letters/2010"), members included."""
    out: set[str] = set()
    for path in paths:
        outer = path.split(MEMBER_SEP, 1)[0]
        parts = outer.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            out.add("/".join(parts[:i]))
    return sorted(out)


def _parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    for length, fmt in ((19, "%Y-%m-%dT%H:%M:%S"), (10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        try:
            return datetime.strptime(value[:length], fmt)
        except ValueError:
            continue
    return None


_TEXT, _PATH = text_analyzer(), path_analyzer()
_ANALYZERS = {"title": _TEXT, "content": _TEXT, "path": _PATH, "author": _PATH}


def index_fields(rec: IndexRecord) -> dict:
    """The index fields of one record (what `index_schema` declares): the text fields as
    Analysed, and plain copies of those stored."""
    date = _parse_date(rec.date)
    texts = {name: Analysed(text, _ANALYZERS[name]) for name, text in (
        ("title", rec.title or ""), ("content", rec.text or ""), ("path", "\n".join(rec.paths)),
        ("author", rec.author or ""))}
    fields = dict(
        doc_id=rec.doc_id, **texts, _stored_title=rec.title or "", _stored_author=rec.author or "",
        words=texts, order=order_key(rec.doc_id), paths="\n".join(rec.paths),
        folder=",".join(folders_of(rec.paths)), mime=rec.mime, kind=rec.kind,
        lang=",".join(rec.languages), pages=rec.page_count,
        status=rec.status, parent=rec.parent_id or "", size=rec.size,
        news="covered" if rec.covered else "none")
    if date:
        fields["date"] = date
        fields["year"] = str(date.year)
    return fields
