"""The fields of the search index; the analyzers come from archive.analysis."""

from whoosh import fields

from archive.analysis import path_analyzer, text_analyzer


def index_schema() -> fields.Schema:
    """The Whoosh schema. Full text is indexed but not stored: the catalog keeps it."""
    return fields.Schema(
        doc_id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=text_analyzer(), stored=True, field_boost=2.0),
        content=fields.TEXT(analyzer=text_analyzer(), stored=False),
        path=fields.TEXT(analyzer=path_analyzer(), stored=False),
        paths=fields.STORED(),
        folder=fields.KEYWORD(commas=True, stored=False),
        mime=fields.ID(stored=True),
        kind=fields.ID(stored=True),
        lang=fields.KEYWORD(stored=True, commas=True),
        author=fields.TEXT(analyzer=path_analyzer(), stored=True),
        date=fields.DATETIME(stored=True),
        year=fields.ID(stored=False),
        pages=fields.NUMERIC(stored=True),
        status=fields.ID(stored=True),
        news=fields.ID(stored=False),
        parent=fields.ID(stored=True),
        size=fields.NUMERIC(stored=True, bits=64),
    )
