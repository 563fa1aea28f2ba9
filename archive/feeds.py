"""Search results as feed entries: what an Atom feed of a search says about each document."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from archive.model import SearchResult
from archive.permalinks import permalink_for

FEED_SIZE = 50  # entries per feed: the newest documents of the search
NO_SNIPPET = "Matches the file name or title."
# Characters XML 1.0 forbids (extracted text can hold them): one stray byte would make the
# whole feed unreadable to a feed reader.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One document in a feed: absolute permalink (also its id), title, time, summary."""

    link: str
    title: str
    updated: str  # RFC 3339
    summary: str


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 cannot carry."""
    return _NOT_XML.sub("", text)


def atom_time(day: str | None, fallback: datetime) -> str:
    """An ISO date ("2010-05-01") as an RFC 3339 instant; `fallback` when there is none."""
    if day:
        return f"{day[:10]}T00:00:00Z"
    return fallback.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def feed_entries(result: SearchResult, url_root: str, now: datetime) -> list[FeedEntry]:
    """The feed entries of a result's hits, in its order; undated documents get `now`."""
    root = url_root.rstrip("/")
    return [FeedEntry(link=root + permalink_for(h.doc_id), title=xml_safe(h.title),
                      updated=atom_time(h.date, now),
                      summary=xml_safe(h.snippets[0].text if h.snippets else NO_SNIPPET))
            for h in result.hits]
