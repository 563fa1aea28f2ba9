"""The links readers are shown: one record type, the queries that read it, its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from archive.aliases import default_aliases
from archive.catalog import MEMBER_SEP, SHOWN_LINK, has_table

NEAR_FLOOR = 0.25  # suggestions scoring this much, below the threshold, are near misses
NEAR_SHOWN = 5
_NOTE = ("(SELECT note FROM link_notes k WHERE k.news_id = l.news_id "
         "AND k.doc_id = l.doc_id)")  # an older, read-only catalog has no link_notes


@dataclass(frozen=True)
class LinkRecord:
    """A stored link between a news article and a document, as pages and JSON show it."""

    news_id: str
    doc_id: str
    score: float
    page: int | None
    review: str  # "suggested", "confirmed" or "rejected"
    reviewed_by: str | None
    evidence: dict[str, Any] = field(default_factory=dict)
    news_title: str = ""
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    doc_title: str | None = None  # the document's title, else its file name
    note: str | None = None  # the editor's note, on a link an editor added

    @property
    def is_confirmed(self) -> bool:
        return self.review == "confirmed"


def link_json(link: LinkRecord) -> dict[str, Any]:
    """The JSON form of a link, the same for the site and the command line."""
    return {"news_id": link.news_id, "news_title": link.news_title, "outlet": link.outlet,
            "published": link.published, "url": link.url, "doc_id": link.doc_id,
            "doc_title": link.doc_title, "score": link.score, "page": link.page,
            "review": link.review, "reviewed_by": link.reviewed_by,
            "evidence": link.evidence, "note": link.note,
            "why": [{"text": t, "page": page} for t, page in plain_evidence(link.evidence)]}


def _label(title: str | None, path: str | None) -> str | None:
    if title:
        return title
    return path.rsplit(MEMBER_SEP, 1)[-1].rsplit("/", 1)[-1] if path else None


def entity_names(entity_ids: list[str]) -> list[str]:
    """The names evidence shows for alias-table entities: each one's first spelling, once."""
    table = default_aliases().entities
    names = [table[e].spellings[0] if e in table else e.replace("-", " ")
             for e in entity_ids]
    return list(dict.fromkeys(names))


def _listed(words: list[str]) -> str:
    return ", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]


def plain_evidence(evidence: dict[str, Any]) -> list[tuple[str, int | None]]:
    """Why a link was made, in plain words, each with the document page it points at (or
    None): the same sentences on the site, in `docket news show` and in the JSON."""
    out: list[tuple[str, int | None]] = [(r[:1].upper() + r[1:], None)
                                         for r in evidence.get("references", [])]
    out += [(f"Both have the words “{q['text']}”", q.get("page"))
            for q in evidence.get("quotes", [])]
    table = default_aliases().entities
    named = [e for e in evidence.get("entities", []) if e not in table
             or table[e].kind != "concept"]
    themes = [e for e in evidence.get("entities", []) if e not in named]
    if named:
        out.append((f"Both name {_listed(entity_names(named))}", None))
    if themes:
        out.append((f"Both speak of {_listed(entity_names(themes))}", None))
    if evidence.get("described"):
        out.append((f"The article describes a file like it: “{evidence['described']}”", None))
    if evidence.get("phrases"):
        out.append(("Both use the words " + ", ".join(f"“{ph}”" for ph in evidence["phrases"]),
                    None))
    if evidence.get("spelled"):
        out.append(("Both name, each in its own script, " + _listed(
            [f"{ours} ({theirs})" for ours, theirs in evidence["spelled"]]), None))
    passage = evidence.get("passage")
    if passage and passage.get("text"):
        said = f" as the article's “{passage['sentence']}”" if passage.get("sentence") else ""
        out.append((f"A passage of the document says much the same{said}: “{passage['text']}”",
                    passage.get("page")))
    return out


def _records(conn, where: str, args: tuple) -> list[LinkRecord]:
    rows = conn.execute(
        "SELECT l.news_id, l.doc_id, l.score, l.page, l.review, l.reviewed_by, l.evidence, "
        "n.title AS news_title, n.outlet, n.published, n.url, d.title AS doc_title, "
        "(SELECT MIN(path) FROM paths p WHERE p.doc_id = l.doc_id) AS doc_path, "
        f"{_NOTE if has_table(conn, 'link_notes') else 'NULL'} AS note "
        "FROM news_links l JOIN news n USING (news_id) LEFT JOIN documents d USING (doc_id) "
        f"WHERE {where} "
        "ORDER BY (l.review = 'confirmed') DESC, l.score DESC, l.doc_id", args).fetchall()
    return [LinkRecord(news_id=r["news_id"], doc_id=r["doc_id"], score=r["score"],
                       page=r["page"], review=r["review"], reviewed_by=r["reviewed_by"],
                       evidence=json.loads(r["evidence"] or "{}"), news_title=r["news_title"],
                       outlet=r["outlet"], published=r["published"], url=r["url"],
                       doc_title=_label(r["doc_title"], r["doc_path"]), note=r["note"])
            for r in rows]


def _shown(conn, where: str, args: tuple) -> list[LinkRecord]:
    return _records(conn, f"{where} AND {SHOWN_LINK}", args)  # its columns: news_links'


def near_misses(conn, news_id: str, limit: int = NEAR_SHOWN) -> list[LinkRecord]:
    """Possible links below the threshold (scoring NEAR_FLOOR at least, nobody has reviewed
    them), best first: leads a journalist can check, shown apart from the links."""
    return _records(conn, "l.news_id = ? AND l.above = 0 AND l.review = 'suggested' "
                          "AND l.score >= ?", (news_id, NEAR_FLOOR))[:limit]


def links_for_article(conn, news_id: str) -> list[LinkRecord]:
    """The documents an article discusses: above the threshold or confirmed, best first."""
    return _shown(conn, "l.news_id = ?", (news_id,))


def coverage_for_document(conn, doc_id: str) -> list[LinkRecord]:
    """The news articles that discuss a document, best first."""
    return _shown(conn, "l.doc_id = ?", (doc_id,))


def covered_documents(conn) -> set[str]:
    """Ids of the documents some article discusses (shown links only)."""
    return {r[0] for r in conn.execute(
        f"SELECT DISTINCT doc_id FROM news_links WHERE {SHOWN_LINK}")}
