"""Cross-references: which news article discusses which document, with the evidence.

An article is read sentence by sentence, since one sentence often describes one document
("an Urdu letter in which Imran complains of the price of flour"). Each layer gives
candidate documents a strength in [0, 1] and remembers the sentences behind it:
1. explicit references: document ids, file names and paths, quoted phrases found verbatim
   in a document (with the page);
2. names and themes from the alias table, matched as whole words in the document and
   weighted by rarity (a long letter naming everyone counts each name less);
3. described files: a sentence naming a file's form (its kind, language or legacy encoding)
   with names or another form cue points at the few documents matching them all;
4. cross-lingual similarity of sentence embeddings (archive.embeddings, computed at index
   time), scored as a margin over both sides' nearest neighbours (CSLS), so that a
   sentence or passage that resembles everything matches nothing in particular;
5. shared phrases: unquoted runs of words found verbatim in one of the best candidates
   ("Monotheism and Jihad Group"), holding a word rare in the archive;
6. corroboration only: the kind and the language a supporting sentence names, weighted by
   their rarity in the archive ("in Persian" says much in an Arabic archive, "in Arabic"
   little), and page counts ("19-page", "من 19 صفحة");
7. attachments: a document the article clearly points at, in a sentence saying it
   "attaches" something, brings its few attachments along.
A sentence that describes one file only, or names one language only, is not counted as
passage or phrase evidence for other files ("an Urdu pamphlet..." is not about an English
letter, however alike their words).
A noisy-OR of the weighted strengths is the score; a link is shown above THRESHOLD, which
keeps a story about "the release" in general from linking to everything.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np

from archive.aliases import default_aliases
from archive.analysis import TOKEN_PATTERN, fold
from archive.catalog import MEMBER_SEP, decompress_text, index_records
from archive.embeddings import (
    MAX_UNITS,
    VectorIndex,
    document_units,
    embed,
    ensure_embeddings,
    split_sentences,
    vector_path,
)
from archive.errors import IndexBusyError
from archive.news import (
    NewsArticle,
    get_article,
    index_articles,
    list_articles,
    store_article,
)
from archive.permalinks import ID_LENGTH

THRESHOLD = 0.45
WEIGHTS = {"id": 0.99, "file": 0.9, "quote": 0.85, "entities": 0.55, "semantic": 0.55,
           "pages": 0.25, "kind": 0.35, "language": 0.35, "described": 0.5, "phrases": 0.6,
           "attached": 0.5}
DESCRIBED_MAX = 3
KIND_DOCS_MAX = 2000  # documents of one kind considered by a sentence naming no one
# Phrase layer: runs of PHRASE_WORDS words an article shares with a candidate document
# (unquoted: "Monotheism and Jihad Group"), counted when they hold a rare word and few
# of the PHRASE_CANDIDATES best candidates share them.
PHRASE_WORDS = 3
PHRASE_CANDIDATES = 30
WORD = re.compile(TOKEN_PATTERN)
STOP = frozenset(fold(w) for w in (
    "about after also been before could does from have into more most only other over said "
    "some such than that their them then there these they this those through under were "
    "what when where which while will with would your "
    "التي الذي الذين هذا هذه ذلك تلك كان كانت كما ولكن لكن على إلى عن في من مع بعد قبل حتى "
    "وهو وهي هو هي ان أن إن لقد عند بين كل").split())
# What a sentence may say of a file's form: its language, its legacy encoding (as the text
# extractor records it in the metadata), its kind.
LANGUAGE_CUES = {"ar": ("arabic", "بالعربية", "اللغة العربية", "عربي", "عربی"),
                 "fa": ("persian", "farsi", "بالفارسية", "الفارسية", "فارسی", "فارسي"),
                 "ur": ("urdu", "بالأردية", "الأردية", "باللغة الأردية", "اردو"),
                 "en": ("english", "بالإنجليزية", "إنجليزية", "الإنجليزية", "انگلیسی",
                        "انگریزی"),
                 "ps": ("pashto", "pashtu", "بالبشتو", "البشتونية", "پښتو", "پشتو")}
ENCODING_CUES = {"cp1256": ("windows arabic", "windows-1256", "cp1256", "windows 1256"),
                 "iso8859_6": ("iso-8859-6", "iso 8859-6", "iso arabic"),
                 "cp1252": ("windows-1252", "cp1252"), "utf_16": ("utf-16", "utf16")}
ATTACHMENT_CUES = {"attached": ("attach", "attaches", "attached", "attaching", "attachment",
                                "enclosed", "encloses", "مرفق", "مرفقا", "أرفق", "يرفق",
                                "المرفق", "المرفقة", "پیوست", "منسلک")}
MAX_ATTACHMENTS = 3  # an e-mail "attaching the accounts" links its few attachments
KIND_CUES = {"audio": ("audio", "recording", "تسجيل صوتي", "تسجيلا صوتيا"),
             "video": ("video", "تسجيل مرئي", "فيديو"),
             "email": ("e-mail", "email", "بريد إلكتروني"),
             "spreadsheet": ("spreadsheet", "جدول"),
             "word": ("word document", "وثيقة وورد", "ملف وورد"),
             "image": ("scanned", "scan", "صورة ممسوحة")}
# The cue tables as `_mentions` reads them: folded like the text they are looked for in.
LANGUAGE_CUES, ENCODING_CUES, ATTACHMENT_CUES, KIND_CUES = (
    {key: tuple(fold(w) for w in words) for key, words in cues.items()}
    for cues in (LANGUAGE_CUES, ENCODING_CUES, ATTACHMENT_CUES, KIND_CUES))
# Semantic layer: margin = cosine - (mean cosine of the sentence to its HUB_K nearest units
# + mean cosine of the unit to its HUB_K nearest units of other documents) / 2.
HUB_K = 10
NEAR = 100  # nearest units asked of the vector index for each sentence
SEMANTIC_FLOOR = 0.05  # margin below this says nothing
SEMANTIC_FULL = 0.35
SEMANTIC_TOP = 20  # documents kept per article
ENTITY_KINDS = ("person", "organisation", "place", "event", "name", "concept")
KIND_FACTOR = {"name": 0.6, "concept": 0.6}  # a first name or a theme says less than a full name
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
    sentences: set = field(default_factory=set)  # article sentences that point at it

    def fuse(self) -> float:
        miss = 1.0
        for layer, strength in self.signals.items():
            miss *= 1 - WEIGHTS[layer] * min(1.0, strength)
        self.score = round(1 - miss, 4)
        return self.score


# --- the layers --------------------------------------------------------------------------------

def _find_page(conn, doc_id: str, needle: str) -> int | None:
    target = " ".join(fold(needle).split())
    for n, blob in conn.execute("SELECT n, text FROM pages WHERE doc_id = ? ORDER BY n",
                                (doc_id,)):
        if target in " ".join(fold(decompress_text(blob)).split()):
            return n
    return None


_NAMES_CACHE: dict[str, tuple[frozenset[str], bool]] = {}  # doc_id is a content hash
VERIFY_MAX = 500  # search hits of one name checked word by word in the document
NAMES_CHARS = 200_000  # of a document's text read to list the names it holds


def _names_in_document(conn, doc_id: str) -> tuple[frozenset[str], bool]:
    """The alias-table entities a document names as whole words, and whether its whole
    text was read (cached: relinking every article asks again for the same documents)."""
    if doc_id not in _NAMES_CACHE:
        table = default_aliases()
        parts, size, complete = [], 0, True
        row = conn.execute("SELECT COALESCE(title, '') FROM documents WHERE doc_id = ?",
                           (doc_id,)).fetchone()
        parts.append(row[0] if row else "")
        for (blob,) in conn.execute("SELECT text FROM pages WHERE doc_id = ? ORDER BY n",
                                    (doc_id,)):
            if size > NAMES_CHARS:
                complete = False
                break
            parts.append(decompress_text(blob))
            size += len(parts[-1])
        names = frozenset(e for e in table.entities_in("\n".join(parts))
                          if table.entities[e].kind in ENTITY_KINDS)
        _NAMES_CACHE[doc_id] = (names, complete)
    return _NAMES_CACHE[doc_id]


def _names_verified(conn, entity_id: str, doc_id: str) -> bool:
    """Whether a document the index found for a name really names it as a whole word (the
    index matches stems: "سالمة", safe, is not Salim). Unread text gives the benefit of
    the doubt."""
    names, complete = _names_in_document(conn, doc_id)
    return entity_id in names or not complete


def article_sentences(article: NewsArticle) -> list[str]:
    """The headline, then the sentences of the article's text."""
    return [article.title.strip() or "(untitled)", *split_sentences(article.text)][:80]


def _sentence_of(sentences: list[str], needle: str) -> set[int]:
    target = fold(needle)
    return {i for i, s in enumerate(sentences) if target in fold(s)}


def _explicit(conn, index, sentences: list[str], links: dict[str, Link]) -> None:
    text = "\n".join(sentences)

    def link(doc_id: str) -> Link:
        return links.setdefault(doc_id, Link(doc_id))

    for doc_id in set(DOC_ID.findall(text)):
        if conn.execute("SELECT 1 FROM documents WHERE doc_id = ?", (doc_id,)).fetchone():
            link(doc_id).signals["id"] = 1.0
            link(doc_id).sentences |= _sentence_of(sentences, doc_id)
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
                link(doc_id).sentences |= _sentence_of(sentences, token)
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
            entry.sentences |= _sentence_of(sentences, quote)
            entry.evidence.setdefault("quotes", []).append({"text": quote, "page": page})


def _entities(conn, index, sentences: list[str],
              links: dict[str, Link]) -> dict[str, tuple[set[int], set[str]]]:
    """Link the documents naming the article's people, groups and places; returns each
    usable entity's (sentences naming it, documents naming it)."""
    from archive.model import SearchRequest

    table = default_aliases()
    where: dict[str, set[int]] = {}  # entity -> sentences naming it, in order of first use
    for i, sentence in enumerate(sentences):
        for entity_id in table.entities_in(sentence):
            if table.entities[entity_id].kind in ENTITY_KINDS:
                where.setdefault(entity_id, set()).add(i)
    total = max(1, index.doc_count())
    named: dict[str, tuple[set[int], set[str]]] = {}
    for entity_id in list(where)[:20]:
        spellings = " OR ".join(f'"{s}"' for s in table.entities[entity_id].spellings[:20]
                                if '"' not in s)
        try:
            hits = list(index.search_all(SearchRequest(f"({spellings})", aliases=False)))
        except Exception:  # noqa: BLE001 - an unparsable spelling is no evidence
            continue
        if len(hits) <= VERIFY_MAX:
            hits = [h for h in hits if _names_verified(conn, entity_id, h.doc_id)]
        if not hits or len(hits) > total * 0.5:
            continue  # named everywhere: says nothing about one document
        named[entity_id] = (where[entity_id], {hit.doc_id for hit in hits})
        # Rarity in [0, 1]: a name found in one document counts fully, one found in many
        # documents hardly at all (squared, so that common names fade fast).
        rarity = (math.log(1 + total / len(hits)) / math.log(1 + total)) ** 2
        strength = ENTITY_SHARE * rarity * KIND_FACTOR.get(table.entities[entity_id].kind, 1.0)
        for hit in hits:
            entry = links.setdefault(hit.doc_id, Link(hit.doc_id))
            # noisy-OR over names: many common names add up to less than a few rare ones
            entry.signals["entities"] = 1 - (1 - entry.signals.get("entities", 0)) * (1 - strength)
            entry.sentences |= where[entity_id]
            entry.evidence.setdefault("entities", []).append(entity_id)
    # A long letter that names everyone shares names with every story: discount documents
    # by how many names of the table they hold beyond a handful.
    for entry in links.values():
        if "entities" in entry.signals:
            count = len(_names_in_document(conn, entry.doc_id)[0])
            if count > NAMES_EXPECTED:
                entry.signals["entities"] *= NAMES_EXPECTED / count
    return named


def _hubness(vectors: VectorIndex, keys: np.ndarray, found: np.ndarray) -> np.ndarray:
    """For each unit: mean cosine to its HUB_K nearest units of other documents."""
    out = np.zeros(len(keys), dtype=np.float32)
    neighbours = vectors.search(found, HUB_K + MAX_UNITS + 1)
    for i, (key, (near, sims)) in enumerate(zip(keys, neighbours, strict=True)):
        other = sims[(near >> np.uint64(5)) != (np.uint64(key) >> np.uint64(5))][:HUB_K]
        out[i] = other.mean() if len(other) else 0.0
    return out


def _semantic(conn, sentences: list[str], links: dict[str, Link], vectors: VectorIndex,
              silent) -> None:
    if len(vectors) < 2:
        return
    queries = embed(sentences)
    nearest = vectors.search(queries, NEAR)
    sentence_hub = np.array([sims[:HUB_K].mean() if len(sims) else 0.0
                             for _, sims in nearest], dtype=np.float32)
    owners = vectors.present_documents(np.concatenate([k for k, _ in nearest]))
    keys = np.array(sorted(owners), dtype=np.uint64)
    if not len(keys):
        return
    found = vectors.vectors(keys)
    sims = found @ queries.T  # candidate units x sentences, exact
    margins = sims - (sentence_hub[None, :] + _hubness(vectors, keys, found)[:, None]) / 2
    best: dict[str, tuple[float, int, int]] = {}  # doc -> (margin, unit row, sentence)
    mute: dict[str, np.ndarray] = {}  # doc -> the sentences that say nothing of it
    for r, key in enumerate(keys):
        doc_id = owners[int(key)]
        if doc_id not in mute:
            mute[doc_id] = np.array([silent(q, doc_id) for q in range(len(sentences))])
        margins[r, mute[doc_id]] = -9.0
        q = int(margins[r].argmax())
        if margins[r, q] > best.get(doc_id, (-9.0, 0, 0))[0]:
            best[doc_id] = (float(margins[r, q]), r, q)
    ranked = sorted(best.items(), key=lambda kv: -kv[1][0])[:SEMANTIC_TOP]
    for doc_id, (margin, r, q) in ranked:
        if margin < SEMANTIC_FLOOR:
            break
        n = int(keys[r]) & (MAX_UNITS - 1)
        row = conn.execute("SELECT page FROM chunks WHERE doc_id = ? AND n = ?",
                           (doc_id, n)).fetchone()
        page = row[0] if row else 1
        entry = links.setdefault(doc_id, Link(doc_id))
        entry.signals["semantic"] = (margin - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR)
        entry.page = entry.page or page
        entry.sentences.add(q)
        doc_units = document_units(conn, doc_id)
        entry.evidence["passage"] = {
            "page": page, "text": doc_units[n][1] if n < len(doc_units) else "",
            "sentence": sentences[q][:300],
            "similarity": round(float(sims[r, q]), 3), "margin": round(margin, 3)}


_RARITIES: dict[tuple, tuple[dict[str, float], dict[str, float]]] = {}


def _rarities(conn) -> tuple[dict[str, float], dict[str, float]]:
    """How rare each document kind and each language is among present documents, squared
    (a kind half the archive has gets 0.25); computed once per state of the catalog."""
    state = (str(vector_path(conn)), *conn.execute(
        "SELECT COUNT(*), MAX(extracted_at) FROM documents WHERE present = 1").fetchone())
    if state not in _RARITIES:
        _RARITIES.clear()
        _RARITIES[state] = _count_rarities(conn)
    return _RARITIES[state]


def _count_rarities(conn) -> tuple[dict[str, float], dict[str, float]]:
    total = conn.execute("SELECT COUNT(*) FROM documents WHERE present = 1 AND "
                         "status = 'ok'").fetchone()[0] or 1
    kinds = {k: (1 - n / total) ** 2 for k, n in conn.execute(
        "SELECT kind, COUNT(*) FROM documents WHERE present = 1 AND status = 'ok' "
        "GROUP BY kind")}
    languages: dict[str, int] = {}
    for (raw,) in conn.execute("SELECT languages FROM documents WHERE present = 1 AND "
                               "status = 'ok'"):
        for lang in json.loads(raw or "[]"):
            languages[lang] = languages.get(lang, 0) + 1
    return kinds, {lang: (1 - n / total) ** 2 for lang, n in languages.items()}


def _mentions(cues: dict[str, tuple[str, ...]], folded_text: str) -> set[str]:
    """Which keys of `cues` (kinds, languages; folded words) a folded text names, as whole
    words or the start or end of one."""
    padded = f" {folded_text} "
    return {key for key, words in cues.items()
            if any(f" {w}" in padded or f"{w} " in padded for w in words)}


class _Facts:
    """What the layers ask of candidate documents (kind, languages, legacy encoding, page
    count), read once per article in batches."""

    def __init__(self, conn):
        self.conn = conn
        self.rows: dict[str, tuple[str, frozenset[str], str, int]] = {}

    def get(self, doc_ids) -> dict[str, tuple[str, frozenset[str], str, int]]:
        missing = sorted({d for d in doc_ids if d not in self.rows})
        for chunk in _batches(missing, 500):
            for doc_id, kind, languages, metadata, pages in self.conn.execute(
                    f"SELECT doc_id, kind, languages, metadata, page_count FROM documents "
                    f"WHERE doc_id IN ({','.join('?' * len(chunk))})", chunk):
                encoding = str(json.loads(metadata or "{}").get("encoding", ""))
                self.rows[doc_id] = (kind, frozenset(json.loads(languages or "[]")),
                                     encoding.lower().replace("-", "_"), pages)
        return {d: self.rows[d] for d in doc_ids if d in self.rows}

    def one(self, doc_id: str) -> tuple[str, frozenset[str], str, int] | None:
        return self.get([doc_id]).get(doc_id)


def _describes(conn, facts: _Facts, sentences: list[str],
               named: dict[str, tuple[set[int], set[str]]],
               links: dict[str, Link]) -> dict[int, str]:
    """A sentence that names several things at once (a person, a kind of file, a language:
    "an Urdu letter in which Imran complains...") describes the few documents that match
    them all. Cues are counted by type: each entity, and any kind, language or legacy
    encoding named; at least one must say what form the file has (kind, language,
    encoding). The documents matching the most cues (at least two) get the signal when they
    are at most DESCRIBED_MAX. Returns the sentences that describe one document only: their
    other evidence (passages, phrases) is not counted for other documents."""
    claimed: dict[int, str] = {}
    for i, sentence in enumerate(sentences):
        folded = fold(sentence)
        kinds, languages = _mentions(KIND_CUES, folded), _mentions(LANGUAGE_CUES, folded)
        encodings = _mentions(ENCODING_CUES, folded)
        entity_docs = [docs for where, docs in named.values() if i in where]
        if not (kinds or languages or encodings) or len(entity_docs) < 1 and not kinds:
            continue  # names alone are the entity layer's; a file is described by its form
        counts: dict[str, int] = {}
        for docs in entity_docs:
            for doc_id in docs:
                counts[doc_id] = counts.get(doc_id, 0) + 1
        if kinds:  # the documents of a kind named match without any name, too (when few)
            of_kind = [r[0] for r in conn.execute(
                f"SELECT doc_id FROM documents WHERE present = 1 AND status = 'ok' AND "
                f"kind IN ({','.join('?' * len(kinds))}) LIMIT ?",
                (*sorted(kinds), KIND_DOCS_MAX + 1))]
            if len(of_kind) <= KIND_DOCS_MAX:
                for doc_id in of_kind:
                    counts.setdefault(doc_id, 0)
        if not counts:
            continue
        for doc_id, (kind, langs, encoding, _) in facts.get(counts).items():
            counts[doc_id] += (kind in kinds) + bool(languages & langs) + (encoding in encodings)
        top = max(counts.values(), default=0)
        best = [d for d, n in counts.items() if n == top]
        if top < 2 or len(best) > DESCRIBED_MAX:
            continue
        for doc_id in best:
            entry = links.setdefault(doc_id, Link(doc_id))
            entry.signals["described"] = max(entry.signals.get("described", 0.0),
                                             1 / len(best))
            entry.sentences.add(i)
            entry.evidence["described"] = sentence[:300]
        if len(best) == 1:
            claimed[i] = best[0]
    return claimed


def _silences(facts: _Facts, sentences: list[str], claimed: dict[int, str]):
    """A test of whether sentence i says nothing of a document: it describes another file
    (`claimed`), or it names one language only ("an Urdu pamphlet") and the document is
    written in others. Passages and phrases from such a sentence do not count for it."""
    single = {}
    for i, sentence in enumerate(sentences):
        named = _mentions(LANGUAGE_CUES, fold(sentence))
        if len(named) == 1:
            single[i] = next(iter(named))

    def silent(i: int, doc_id: str) -> bool:
        if claimed.get(i, doc_id) != doc_id:
            return True
        if i not in single:
            return False
        languages = (facts.one(doc_id) or ("", frozenset(), "", 0))[1]
        return bool(languages) and single[i] not in languages

    return silent


def _batches(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _ngrams(words: list[str]) -> list[tuple[str, ...]]:
    return [tuple(words[i:i + PHRASE_WORDS]) for i in range(len(words) - PHRASE_WORDS + 1)]


_GRAMS_CACHE: dict[str, frozenset] = {}  # doc_id -> its word n-grams (content never changes)


def _document_ngrams(conn, doc_id: str) -> frozenset:
    if doc_id not in _GRAMS_CACHE:
        if len(_GRAMS_CACHE) > 2000:
            _GRAMS_CACHE.clear()
        text = " ".join(decompress_text(r[0]) for r in conn.execute(
            "SELECT text FROM pages WHERE doc_id = ? ORDER BY n LIMIT 200", (doc_id,)))
        _GRAMS_CACHE[doc_id] = frozenset(_ngrams([fold(w) for w in WORD.findall(text[:300_000])]))
    return _GRAMS_CACHE[doc_id]


def _phrases(conn, index, sentences: list[str], links: dict[str, Link], silent) -> None:
    """Distinctive phrases an article shares with its best candidates."""
    if not links:
        return
    for entry in links.values():
        entry.fuse()
    candidates = sorted(links.values(), key=lambda e: -e.score)[:PHRASE_CANDIDATES]
    grams = {e.doc_id: _document_ngrams(conn, e.doc_id) for e in candidates}
    words = [[fold(w) for w in WORD.findall(s)] for s in sentences]
    frequencies = index.doc_frequencies({w for ws in words for w in ws if len(w) >= 4})
    rare = max(2, int(0.01 * index.doc_count()))
    found: dict[str, dict[int, list[tuple[int, int]]]] = {}  # doc -> sentence -> spans
    for i, ws in enumerate(words):
        spans: dict[str, list[list[int]]] = {}  # doc -> runs of shared n-grams
        for start, gram in enumerate(_ngrams(ws)):
            holders = [d for d, g in grams.items() if gram in g]
            if len(holders) > 2:
                continue  # shared by many candidates: a phrase of the subject, not of one file
            for doc_id in holders:
                if silent(i, doc_id):
                    continue
                runs = spans.setdefault(doc_id, [])
                if runs and start <= runs[-1][1]:
                    runs[-1][1] = start + PHRASE_WORDS
                else:
                    runs.append([start, start + PHRASE_WORDS])
        for doc_id, runs in spans.items():
            for a, b in runs:
                content = [w for w in ws[a:b] if len(w) >= 4 and w not in STOP]
                if len(content) >= 2 and any(0 < frequencies.get(w, 0) <= rare
                                             for w in content):
                    found.setdefault(doc_id, {}).setdefault(i, []).append((a, b))
    for doc_id, by_sentence in found.items():
        texts = [" ".join(WORD.findall(sentences[i])[a:b])
                 for i, spans in by_sentence.items() for a, b in spans]
        entry = links[doc_id]
        entry.signals["phrases"] = min(1.0, 0.5 * len(texts))
        entry.sentences |= set(by_sentence)
        entry.evidence["phrases"] = texts[:5]
        if entry.page is None:
            entry.page = _find_page(conn, doc_id, texts[0])


def _attachments(conn, sentences: list[str], links: dict[str, Link]) -> None:
    """A sentence describing a document "attaching" something points at its attachments too
    (when it has a few only)."""
    folded = [fold(s) for s in sentences]
    for doc_id, entry in list(links.items()):
        if entry.signals.get("described", 0) < 1 and entry.signals.get("quote", 0) < 0.75:
            continue  # only a document the article clearly points at
        said = [i for i in entry.sentences if _mentions(ATTACHMENT_CUES, folded[i])]
        if not said:
            continue
        children = [r[0] for r in conn.execute(
            "SELECT doc_id FROM documents WHERE parent_id = ? AND present = 1 AND "
            "status = 'ok' LIMIT ?", (doc_id, MAX_ATTACHMENTS + 1))]
        if len(children) > MAX_ATTACHMENTS:
            continue
        for child in children:
            link = links.setdefault(child, Link(child))
            link.signals["attached"] = 1.0
            link.sentences.add(said[0])
            link.evidence.setdefault("references", []).append(f"attached to {doc_id}")
            link.evidence.setdefault("described", sentences[said[0]][:300])


def _page_counts(facts: _Facts, sentences: list[str], links: dict[str, Link]) -> None:
    """A page count the article gives ("a 19-page letter") corroborates candidates."""
    text = "\n".join(sentences)
    counts = {int(next(g for g in m.groups() if g)) for m in PAGES.finditer(text)}
    counts |= {WORD_NUMBERS[m.group(1).lower()] for m in WORD_PAGES.finditer(text)}
    counts |= {n for phrase, n in ARABIC_PAGES.items() if phrase in text}
    counts.discard(1)
    if not counts or not links:
        return
    for doc_id, (_, _, _, pages) in facts.get(links).items():
        if pages in counts:
            links[doc_id].signals["pages"] = 1.0
            links[doc_id].evidence.setdefault("references", []).append(f"{pages}-page document")


def _cues(conn, facts: _Facts, sentences: list[str], links: dict[str, Link]) -> None:
    folded = [fold(s) for s in sentences]
    kind_rarity, language_rarity = _rarities(conn)
    for doc_id, (kind, languages, _, _) in facts.get(links).items():
        entry = links[doc_id]
        if not entry.sentences:
            continue
        said = " ".join(folded[i] for i in sorted(entry.sentences))
        if kind in _mentions(KIND_CUES, said):
            entry.signals["kind"] = kind_rarity.get(kind, 0.0)
            entry.evidence.setdefault("references", []).append(
                f"an {kind} document" if kind[0] in "aeiou" else f"a {kind} document")
        mentioned = _mentions(LANGUAGE_CUES, said)
        for lang in sorted(languages):
            if lang in mentioned:
                entry.signals["language"] = max(entry.signals.get("language", 0.0),
                                                language_rarity.get(lang, 0.0))
                entry.evidence.setdefault("references", []).append(f"written in {lang}")


def link_article(conn, index, article: NewsArticle,
                 vectors: VectorIndex | None = None) -> list[Link]:
    """Score every candidate document for one article, best first (all, not only above the
    threshold). `vectors` saves reopening the vector index when linking many articles."""
    sentences = article_sentences(article)
    links: dict[str, Link] = {}
    _explicit(conn, index, sentences, links)
    facts = _Facts(conn)
    named = _entities(conn, index, sentences, links)
    silent = _silences(facts, sentences, _describes(conn, facts, sentences, named, links))
    if vectors is None:
        vectors = VectorIndex(vector_path(conn), conn)
    _semantic(conn, sentences, links, vectors, silent)
    _phrases(conn, index, sentences, links, silent)
    _cues(conn, facts, sentences, links)
    _attachments(conn, sentences, links)
    _page_counts(facts, sentences, links)
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


def add_articles(conn, index, articles: list[NewsArticle], news_index_dir=None,
                 added_by: str | None = None) -> list[NewsArticle]:
    """Store articles (one already stored is kept as it was), make them searchable in
    `news_index_dir` when given, and link each to the documents; returns the new ones."""
    added = [a for a in articles if store_article(conn, a, added_by=added_by)]
    if news_index_dir is not None:
        index_articles(news_index_dir, articles)
    relink(conn, index, [a.news_id for a in articles])
    return added


def relink(conn, index, news_ids: list[str] | None = None) -> int:
    """Recompute the links of the given articles (default: all); returns how many. The
    documents whose coverage changed are re-projected into the search index."""
    ensure_embeddings(conn)  # normally done by the index run; catches up an older archive
    vectors = VectorIndex(vector_path(conn), conn)
    before = covered_documents(conn)
    articles = [get_article(conn, n) for n in news_ids] if news_ids else list_articles(conn)
    for article in articles:
        store_links(conn, article.news_id, link_article(conn, index, article, vectors))
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
