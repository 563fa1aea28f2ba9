"""The write side of news coverage: storing articles, making them searchable, storing the
links computed for them, and re-projecting the documents whose coverage changed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from archive.catalog import compress_text, index_records, transaction
from archive.errors import IndexBusyError
from archive.model import IndexRecord
from archive.news import NewsArticle, get_article, list_articles
from archive.search import SearchIndex, WhooshIndex
from archive.xref import (
    STORED_MIN,
    THRESHOLD,
    Link,
    LinkSource,
    covered_documents,
    link_article,
)
from indexer.embed import ensure_embeddings, open_vectors
from indexer.enrich import tag_languages


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def store_article(conn, article: NewsArticle, added_by: str | None = None) -> bool:
    """Save an article in the catalog (one transaction), with the language of its text when
    the page declares none. Returns False when it was there."""
    if not article.language:
        found = tag_languages([article.title + "\n" + article.text])[0]
        article = replace(article, language=found[0] if found else None)
    with transaction(conn):
        cur = conn.execute(
            "INSERT OR IGNORE INTO news (news_id, title, text, outlet, author, published, url, "
            "source, language, added_at, added_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.news_id, article.title, compress_text(article.text), article.outlet,
             article.author, article.published, article.url, article.source,
             article.language, _now(), added_by))
    return cur.rowcount == 1


def index_articles(index_dir: Path, articles: list[NewsArticle]) -> int:
    """Make articles searchable on their own, in a news index beside the documents' one."""
    records = [IndexRecord(
        doc_id=a.news_id, sha256=a.news_id, title=a.title, text=a.text,
        paths=(a.url or a.source or a.news_id,), mime="text/html", kind="news",
        languages=(), author=a.author, date=a.published, page_count=1, status="ok",
        parent_id=None, size=len(a.text)) for a in articles]
    index, _ = WhooshIndex.open_for_writing(index_dir)
    return index.upsert(records)


def store_links(conn, news_id: str, links: list[Link]) -> None:
    """Replace the computed links of an article, keeping every journalist's review."""
    now = _now()
    with transaction(conn):
        conn.execute("UPDATE news_links SET score = 0, above = 0 WHERE news_id = ?", (news_id,))
        conn.executemany(
            "INSERT INTO news_links (news_id, doc_id, score, page, evidence, above, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (news_id, doc_id) DO UPDATE "
            "SET score = excluded.score, page = excluded.page, evidence = excluded.evidence, "
            "above = excluded.above, computed_at = excluded.computed_at",
            [(news_id, e.doc_id, e.score, e.page, json.dumps(e.evidence, ensure_ascii=False),
              int(e.score >= THRESHOLD), now) for e in links if e.score > STORED_MIN])
        conn.execute("DELETE FROM news_links WHERE news_id = ? AND score = 0 AND "
                     "review = 'suggested'", (news_id,))


def add_articles(conn, index: SearchIndex, articles: list[NewsArticle],
                 news_index_dir: Path | None = None,
                 added_by: str | None = None) -> list[NewsArticle]:
    """Store articles (one already stored is kept as it was), make them searchable in
    `news_index_dir` when given, and link each to the documents; returns the new ones."""
    added = [a for a in articles if store_article(conn, a, added_by=added_by)]
    if news_index_dir is not None:
        index_articles(news_index_dir, articles)
    relink(conn, index, [a.news_id for a in articles])
    return added


def relink(conn, index: SearchIndex, news_ids: list[str] | None = None) -> int:
    """Recompute the links of the given articles (default: all); returns how many. The
    documents whose coverage changed are re-projected into the search index."""
    ensure_embeddings(conn)  # normally done by the index run; catches up an older archive
    source = LinkSource(conn, index, open_vectors(conn))
    before = covered_documents(conn)
    articles = [get_article(conn, n) for n in news_ids] if news_ids else list_articles(conn)
    for article in articles:
        store_links(conn, article.news_id, link_article(source, article.title, article.text))
    reproject(conn, index, before ^ covered_documents(conn))
    return len(articles)


def reproject(conn, index: SearchIndex, doc_ids: set[str]) -> None:
    """Refresh the index entries of documents whose coverage changed. When the index is busy
    (an indexing run), they are left marked for the run's next sync."""
    if not doc_ids:
        return
    with transaction(conn):
        conn.executemany("UPDATE documents SET indexed = 0 WHERE doc_id = ?",
                         [(d,) for d in doc_ids])
    if not index.is_current():
        return  # an index from an older Docket: the next run rebuilds it from the catalog
    try:
        index.upsert(index_records(conn, sorted(doc_ids)))
    except IndexBusyError:
        return
    with transaction(conn):
        conn.executemany("UPDATE documents SET indexed = 1 WHERE doc_id = ?",
                         [(d,) for d in doc_ids])
