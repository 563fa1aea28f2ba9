"""The fields of the search index; the analyzers come from archive.analysis."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from whoosh import fields, formats
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


class AnalysedText(fields.TEXT):
    """A text field that indexes through Docket's analysis directly: the same terms,
    frequencies, weights and positions as Whoosh's token pipeline (a Token object passed
    through a generator per filter, per word), which took a third of the index writer's time
    (profiled on 2,000 generated documents). Any other analyzer takes Whoosh's way."""

    def index(self, value, **kwargs):
        term = _term_function(self.analyzer)
        if term is None or not isinstance(value, str) or kwargs or \
                type(self.format) is not formats.Positions:
            yield from super().index(value, **kwargs)
            return
        positions: dict[str, list[int]] = {}
        # As RegexTokenizer numbers them: every match counts, a word whose term is empty
        # (dropped by the filter) included.
        for pos, match in enumerate(self.analyzer.items[0].expression.finditer(value)):
            text = term(match.group(0))
            if text:
                held = positions.get(text)
                if held is None:
                    positions[text] = [pos]
                else:
                    held.append(pos)
        boost, encode = self.format.field_boost, self.format.encode
        for text, poslist in positions.items():
            yield text.encode("utf-8"), len(poslist), float(len(poslist)) * boost, \
                encode(poslist)


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


def index_fields(rec: IndexRecord) -> dict:
    """The index fields of one record (what `index_schema` declares)."""
    date = _parse_date(rec.date)
    fields = dict(
        doc_id=rec.doc_id, title=rec.title, content=rec.text,
        path="\n".join(rec.paths), paths="\n".join(rec.paths),
        folder=",".join(folders_of(rec.paths)), mime=rec.mime, kind=rec.kind,
        lang=",".join(rec.languages), author=rec.author or "", pages=rec.page_count,
        status=rec.status, parent=rec.parent_id or "", size=rec.size,
        news="covered" if rec.covered else "none")
    if date:
        fields["date"] = date
        fields["year"] = str(date.year)
    return fields
