"""The Xapian engine behind SearchIndex: a local database under var/xapian, or shards served
by xapian-tcpsrv on other machines; it indexes the terms of Docket's own analysis."""

from __future__ import annotations

import json
import shutil
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xapian
from whoosh import query as wq

from archive.admission import admitted
from archive.aliases import AliasTable, default_aliases
from archive.analysis import ANALYSIS_VERSION, fold_and_stem
from archive.deadline import Deadline
from archive.errors import BadQueryError, IndexBusyError, IndexMissingError
from archive.model import Hit, IndexRecord, SearchRequest, SearchResult
from archive.query import MATCH_ALL, Expander, expand_leaves, parse_request, query_terms
from archive.schema import MAX_TERM_BYTES, TEXT_PREFIX, WDF, order_key
from archive.schema import index_fields as _fields
from archive.scoring import K1, MIN_NORMLEN, B
from archive.search import DEADLINE, FACETS, MORE_LIKE_CHARS, MORE_LIKE_TERMS, name_spellings
from archive.xapian_query import SLOT, _date_value, _scaled, _term, expander, translate

SCHEMA_VERSION = f"3.{ANALYSIS_VERSION}"  # the term layout below and the analysis: when either
# changes, the index is rebuilt
CONNECT_TIMEOUT = 1.0  # seconds to reach a shard before it counts as down
BATCH = 2000  # documents per commit when writing

MULTI_VALUED = {field for field, multi in FACETS.values() if multi}


@dataclass(frozen=True)
class Shard:
    """One xapian-tcpsrv server holding a slice of the documents."""

    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def parse_shards(text: str) -> tuple[Shard, ...]:
    """Turn "host:port,host:port" into shards; ValueError names a malformed entry."""
    out = []
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        host, sep, port = item.rpartition(":")
        if not sep or not host or not port.isdigit():
            raise ValueError(f"Shard {item!r} should look like host:port (e.g. 10.0.0.5:8100).")
        out.append(Shard(host, int(port)))
    return tuple(out)


def shard_of(doc_id: str, count: int) -> int:
    """The shard a document lives on: its hex id modulo the shard count (stable forever)."""
    try:
        return int(doc_id, 16) % count
    except ValueError:
        return zlib.crc32(doc_id.encode("utf-8")) % count


def _document(rec: IndexRecord) -> xapian.Document:
    fields = _fields(rec)
    doc = xapian.Document()
    for name in TEXT_PREFIX:
        # One position counter per field, as Whoosh keeps; phrases stay inside a field. The
        # words left out here are left out of the Whoosh document's length too.
        for text, poslist in fields[name].positions().items():
            term = _term(name, text)
            if len(term.encode("utf-8")) <= MAX_TERM_BYTES:
                for pos in poslist:
                    doc.add_posting(term, pos + 1, WDF.get(name, 1))
    for name in ("doc_id", "mime", "kind", "status", "news", "parent", "year"):
        if fields.get(name):
            doc.add_boolean_term(_term(name, fields[name])[:MAX_TERM_BYTES])
    for name in ("lang", "folder"):
        values = [v.strip() for v in fields[name].split(",") if v.strip()]
        for value in values:
            doc.add_boolean_term(_term(name, value)[:MAX_TERM_BYTES])
        doc.add_value(SLOT[name], "\n".join(values))
    for name in ("kind", "year", "status", "news"):
        if fields.get(name):
            doc.add_value(SLOT[name], fields[name])
    if fields.get("date"):
        doc.add_value(SLOT["date"], _date_value(fields["date"]))
    doc.add_value(SLOT["date_or_last"],
                  _date_value(fields["date"]) if fields.get("date") else "~")
    doc.add_value(SLOT["order"], order_key(rec.doc_id).to_bytes(8, "big"))
    doc.add_value(SLOT["pages"], xapian.sortable_serialise(rec.page_count))
    doc.add_value(SLOT["size"], xapian.sortable_serialise(rec.size))
    doc.set_data(json.dumps({
        "doc_id": rec.doc_id, "title": rec.title, "paths": list(rec.paths), "kind": rec.kind,
        "mime": rec.mime, "lang": list(rec.languages),
        "date": fields["date"].date().isoformat() if fields.get("date") else None,
        "pages": rec.page_count}, ensure_ascii=False))
    return doc


def _hit(doc: xapian.Document, score: float) -> Hit:
    data = json.loads(doc.get_data())
    return Hit(doc_id=data["doc_id"], title=data["title"] or "", paths=tuple(data["paths"]),
               kind=data["kind"], mime=data["mime"], languages=tuple(data["lang"]),
               date=data["date"], page_count=data["pages"], score=float(score or 0.0))


def _id_filter(doc_ids: frozenset[str]) -> xapian.Query:
    """Documents by id (their unique "Q" terms); an empty set matches nothing."""
    return xapian.Query(xapian.Query.OP_OR, [xapian.Query(_term("doc_id", d))
                                             for d in sorted(doc_ids)])


def _commit(db: xapian.WritableDatabase, fn: Callable[[xapian.WritableDatabase], None]) -> None:
    """Apply a change to an open database (local or a remote shard), stamp the schema
    version, commit and close it."""
    try:
        fn(db)
        db.set_metadata("docket_schema", SCHEMA_VERSION)
        db.commit()
    finally:
        db.close()


class _Unreachable(Exception):
    """Every shard failed: the caller answers with nothing and the notice."""


class Resting:
    """Shards that did not greet a new connection after failing a search, left out of this
    process's searches for RETRY_SECONDS: before, a shard that hung cost every search its
    deadline twice (the search, then the shard's own probe). A shard that greets but is too
    slow for one query is left out of that answer only. When its rest is over, the next
    search tries it again."""

    RETRY_SECONDS = 15.0

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._until: dict[Shard, float] = {}
        self._lock = threading.Lock()

    def failed(self, shard: Shard) -> None:
        with self._lock:
            self._until[shard] = self.clock() + self.RETRY_SECONDS

    def answered(self, shard: Shard) -> None:
        with self._lock:
            self._until.pop(shard, None)

    def among(self, shards: Iterable[Shard]) -> list[Shard]:
        """Those of `shards` resting now."""
        now = self.clock()
        with self._lock:
            return [s for s in shards if self._until.get(s, 0.0) > now]


RESTING = Resting()


class XapianIndex:
    """A Xapian database under var/xapian, or shards behind xapian-tcpsrv servers."""

    deadline_seconds = DEADLINE  # tests set a tiny one, or a fake clock, on an instance
    clock = staticmethod(time.monotonic)

    def __init__(self, path: Path | None = None, shards: Iterable[Shard] = (),
                 create: bool = False, aliases: AliasTable | None = None):
        self.path = path
        self.shards = tuple(shards)
        self.aliases = aliases
        self._db: xapian.Database | None = None
        if not self.shards:
            if path is None:
                raise ValueError("XapianIndex needs a folder or shards.")
            if create:
                self._write_local(lambda db: None)
            elif not (path / "iamglass").exists() and not (path / "iamchert").exists():
                raise IndexMissingError(
                    f"No search index in {path}. Build it with: docket index <folder> "
                    f"--var {path.parent}")
        elif create:
            self._write_remote(range(len(self.shards)), lambda db: None)

    @property
    def where(self) -> str:
        return ", ".join(map(str, self.shards)) if self.shards else str(self.path)

    @classmethod
    def recreate(cls, path: Path | None = None, shards: Iterable[Shard] = (),
                 aliases: AliasTable | None = None) -> XapianIndex:
        """An empty index: the local folder is deleted, each shard emptied document by
        document (the remote protocol cannot drop a database)."""
        shards = tuple(shards)
        if not shards:
            shutil.rmtree(path, ignore_errors=True)
            return cls(path, create=True, aliases=aliases)
        index = cls(path, shards, create=True, aliases=aliases)

        def empty(db: xapian.WritableDatabase) -> None:
            for item in list(db.allterms("Q")):
                db.delete_document(item.term)
        index._write_remote(range(len(shards)), empty)
        return index

    @classmethod
    def open_for_writing(cls, path: Path | None = None, shards: Iterable[Shard] = (),
                         aliases: AliasTable | None = None) -> tuple[XapianIndex, bool]:
        """Open or create the index; a damaged or outdated one is recreated empty.

        Returns (index, repaired): when repaired, the caller must refill it from the catalog.
        """
        try:
            index = cls(path, shards, create=True, aliases=aliases)
            current = index.is_current()
        except xapian.DatabaseCorruptError:
            return cls.recreate(path, shards, aliases), True
        if not current:
            return cls.recreate(path, shards, aliases), True
        return index, False

    # opening ------------------------------------------------------------------------------
    def _open_shard(self, shard: Shard, timeout: float = DEADLINE) -> xapian.Database:
        """A connection to the shard whose every message waits at most `timeout` seconds."""
        return xapian.remote_open(shard.host, shard.port, int(timeout * 1000),
                                  int(CONNECT_TIMEOUT * 1000))

    def _greet(self, shard: Shard) -> None:
        """Raises NetworkError unless the shard's server greets a new connection within
        CONNECT_TIMEOUT (opening a remote database waits for the server's greeting)."""
        self._open_shard(shard, CONNECT_TIMEOUT).close()

    def _database(self) -> xapian.Database:
        if self._db is None:
            if self.shards:
                db = xapian.Database()
                for shard in self.shards:
                    db.add_database(self._open_shard(shard))
                self._db = db
            else:
                self._db = xapian.Database(str(self.path))
        else:
            self._db.reopen()  # see the latest commit
        return self._db

    def _answer(self, fn: Callable[[xapian.Database], Any]) -> tuple[Any, str | None]:
        """Run fn over every shard; when some fail or miss the deadline, again over those
        that answer alone, with a notice naming the others. Raises _Unreachable when none
        answers."""
        resting = RESTING.among(self.shards)
        if not resting:
            try:
                return fn(self._database()), None
            except xapian.NetworkError:
                if not self.shards:
                    raise
                self._db = None
        alive, down = [], [str(shard) for shard in resting]
        for shard in (s for s in self.shards if s not in resting):
            try:
                self._greet(shard)
            except xapian.NetworkError:  # down, or hung: no answer within CONNECT_TIMEOUT
                down.append(str(shard))
                RESTING.failed(shard)
                continue
            RESTING.answered(shard)
            try:
                db = self._open_shard(shard)
                fn(db)  # the probe: a shard that cannot answer this query alone is left out
                alive.append(db)
            except xapian.NetworkError:  # alive but too slow for this query: not resting
                down.append(str(shard))
        notice = (f"{len(down)} of {len(self.shards)} search shards did not answer in time "
                  f"({', '.join(sorted(down))}); results come from the others and may be "
                  f"incomplete.")
        if not alive:
            raise _Unreachable(notice)
        combined = xapian.Database()
        for db in alive:
            combined.add_database(db)
        try:
            return fn(combined), notice
        except xapian.NetworkError as exc:
            raise _Unreachable(notice) from exc

    # writing ------------------------------------------------------------------------------
    def _write_local(self, fn: Callable[[xapian.WritableDatabase], None]) -> None:
        try:
            db = xapian.WritableDatabase(str(self.path), xapian.DB_CREATE_OR_OPEN)
        except xapian.DatabaseLockError as exc:
            raise IndexBusyError(f"The search index in {self.path} is being written by "
                                 f"another process; try again when it finishes.") from exc
        _commit(db, fn)

    def _write_remote(self, shard_numbers: Iterable[int],
                      fn: Callable[[xapian.WritableDatabase], None]) -> None:
        for n in shard_numbers:
            shard = self.shards[n]
            try:
                db = xapian.remote_open_writable(shard.host, shard.port, 0,
                                                 int(CONNECT_TIMEOUT * 1000))
            except xapian.DatabaseLockError as exc:
                raise IndexBusyError(f"Search shard {shard} is being written by another "
                                     f"process; try again when it finishes.") from exc
            _commit(db, fn)

    def _write(self, by_shard: dict[int, list], apply: Callable) -> None:
        if not self.shards:
            self._write_local(lambda db: [apply(db, item) for item in by_shard.get(0, [])])
        else:
            for n, items in by_shard.items():
                self._write_remote([n], lambda db, items=items: [apply(db, i) for i in items])
        self._db = None

    def _route(self, items: Iterable, key: Callable[[Any], str]) -> dict[int, list]:
        out: dict[int, list] = {}
        count = len(self.shards) or 1
        for item in items:
            out.setdefault(shard_of(key(item), count), []).append(item)
        return out

    def upsert(self, records: Iterable[IndexRecord], procs: int = 1) -> int:
        """Add or replace documents by doc_id, each on its shard; returns how many."""
        records = list(records)
        for start in range(0, len(records), BATCH):
            chunk = records[start:start + BATCH]
            self._write(self._route(chunk, lambda r: r.doc_id),
                        lambda db, r: db.replace_document(_term("doc_id", r.doc_id),
                                                          _document(r)))
        return len(records)

    def delete(self, doc_ids: Iterable[str]) -> int:
        """Remove documents by id; returns how many ids were asked for."""
        doc_ids = list(doc_ids)
        if doc_ids:
            self._write(self._route(doc_ids, lambda d: d),
                        lambda db, d: db.delete_document(_term("doc_id", d)))
        return len(doc_ids)

    # small reads --------------------------------------------------------------------------
    def _quietly(self, fn: Callable[[xapian.Database], Any], empty: Any) -> Any:
        try:
            return self._answer(fn)[0]
        except _Unreachable:
            return empty

    def is_current(self) -> bool:
        """False when the index was built with another term layout (an older Docket)."""
        return self._quietly(lambda db: db.get_metadata("docket_schema").decode() ==
                             SCHEMA_VERSION, False)

    def doc_count(self) -> int:
        """How many documents the index holds (the shards that answer)."""
        return self._quietly(lambda db: db.get_doccount(), 0)

    def doc_ids(self) -> set[str]:
        """The ids of every document the index holds."""
        return self._quietly(lambda db: {t.term[1:].decode("utf-8")
                                         for t in db.allterms("Q")}, set())

    def doc_frequencies(self, words: Iterable[str]) -> dict[str, int]:
        """How many documents hold each word (as the content field analyses it)."""
        words = set(words)
        return self._quietly(lambda db: {w: db.get_termfreq(fold_and_stem(w)) for w in words},
                             dict.fromkeys(words, 0))

    # queries ------------------------------------------------------------------------------
    def _parse_request(self, query: str, aliases: bool,
                       without: tuple[str, ...] = ()) -> tuple[wq.Query, list[str]]:
        return parse_request(query, aliases, self.aliases, without=without)

    def _filter(self, request: SearchRequest) -> xapian.Query | None:
        terms = []
        for facet, value in request.filters:
            if facet not in FACETS:
                raise BadQueryError(f"Unknown filter {facet!r}; use one of "
                                    f"{', '.join(FACETS)}.")
            terms.append(xapian.Query(_term(FACETS[facet][0], value)))
        if request.doc_ids is not None:  # a restriction the catalog made (archive.findings)
            terms.append(_id_filter(request.doc_ids))
        return xapian.Query(xapian.Query.OP_AND, terms) if terms else None

    def _deadline(self) -> Deadline:
        return Deadline(self.deadline_seconds, self.clock)

    def _enquire(self, db: xapian.Database, q: wq.Query, request: SearchRequest,
                 deadline: Deadline) -> tuple[xapian.Enquire, Expander]:
        """The Enquire for a query, and the expander holding its leaves' words (read once,
        under the deadline: BadQueryError, QueryTimeoutError)."""
        words = expand_leaves(q, expander(db, deadline), deadline)

        def expand(leaf: wq.Query) -> tuple[str, ...]:
            return words.get(leaf, ())
        xq = translate(q, expand)
        flt = self._filter(request)
        if flt is not None:
            xq = xapian.Query(xapian.Query.OP_FILTER, xq, flt)
        enquire = xapian.Enquire(db)
        enquire.set_query(xq)
        # Whole-document BM25, as Whoosh archives rank too (archive.scoring.DocumentBM25)
        enquire.set_weighting_scheme(xapian.BM25Weight(K1, 0, 1, B, MIN_NORMLEN))
        sort = request.sort
        if sort == "relevance" and request.query.strip() in MATCH_ALL:
            sort = "-date"  # every document matches alike: newest first
        if sort == "relevance":  # equal scores in the order Whoosh archives give them
            enquire.set_sort_by_relevance_then_value(SLOT["order"], False)
        else:  # documents without a date last, either way (the remote
            # backend has no key makers: a second slot holds "~" for them)
            newest_first = sort == "-date"
            enquire.set_sort_by_value_then_relevance(
                SLOT["date"] if newest_first else SLOT["date_or_last"], newest_first)
        if not self.shards:  # the remote backend's time limit is unreliable (Xapian docs)
            # 0 would mean "no limit" to Xapian: a spent deadline leaves a millisecond.
            enquire.set_time_limit(max(deadline.remaining(), 0.001))
        return enquire, expand

    def highlight_terms(self, query: str, aliases: bool = True,
                        without: tuple[str, ...] = ()) -> frozenset[str]:
        """The index terms a query matches, to mark them in a document; empty when the
        query is empty or malformed (a document page never fails for its highlight)."""
        try:
            q, _ = self._parse_request(query, aliases, without)
            deadline = self._deadline()

            def terms(db: xapian.Database) -> frozenset[str]:
                words = expand_leaves(q, expander(db, deadline), deadline)
                return query_terms(q, lambda leaf: words.get(leaf, ()))
            return self._quietly(terms, frozenset())
        except BadQueryError:
            return frozenset()

    def search(self, request: SearchRequest) -> SearchResult:
        """Run a query: BM25 ranking (title words count double), or sorted by date; exact
        totals; facet counts over the whole result set. A shard that fails or misses the
        deadline is left out (`partial`, with a `notice`). Raises BadQueryError."""
        deadline = self._deadline()
        q, expanded = self._parse_request(request.query, request.aliases, request.without)
        if request.sort not in ("relevance", "date", "-date"):
            raise BadQueryError(f"Unknown sort {request.sort!r}; use relevance, date or -date.")
        self._filter(request)  # refuses unknown facets

        def run(db: xapian.Database):
            enquire, expand = self._enquire(db, q, request, deadline)
            spies = {name: xapian.ValueCountMatchSpy(SLOT[field])
                     for name, (field, _) in FACETS.items()}
            for spy in spies.values():
                enquire.add_matchspy(spy)
            # checkatleast = every document: exact totals, and spies that see every match.
            mset = enquire.get_mset((request.page - 1) * request.page_size,
                                    request.page_size, db.get_doccount())
            exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound()
            hits = tuple(_hit(m.document, m.weight) for m in mset)
            facets = {}
            for name, spy in spies.items():
                counts: dict[str, int] = {}
                for item in spy.values():
                    raw = item.term.decode("utf-8")
                    for value in raw.split("\n") if FACETS[name][0] in MULTI_VALUED else [raw]:
                        if value:
                            counts[value] = counts.get(value, 0) + item.termfreq
                facets[name] = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
            return (mset.get_matches_lower_bound(), hits, facets, not exact,
                    query_terms(q, expand))

        try:
            with admitted(q, deadline):
                (total, hits, facets, partial, terms), notice = self._answer(run)
        except _Unreachable as gone:
            return SearchResult(request=request, total=0, hits=(),
                                facets={name: [] for name in FACETS},
                                expanded=tuple(expanded), partial=True, notice=str(gone))
        return SearchResult(request=request, total=total, hits=hits, facets=facets,
                            expanded=tuple(expanded), partial=partial or notice is not None,
                            terms=terms, notice=notice)

    def search_all(self, request: SearchRequest) -> Iterator[Hit]:
        """Every hit of a query in rank order, without snippets (for CSV export)."""
        q, _ = self._parse_request(request.query, request.aliases, request.without)
        deadline = self._deadline()

        def run(db: xapian.Database) -> list[Hit]:
            enquire, _ = self._enquire(db, q, request, deadline)
            count = db.get_doccount()
            return [_hit(m.document, m.weight) for m in enquire.get_mset(0, count, count)]

        try:
            with admitted(q, deadline):
                hits, _ = self._answer(run)
        except _Unreachable:
            hits = []
        yield from hits

    def more_like(self, doc_id: str, text: str, limit: int = 10) -> list[Hit]:
        """Documents like the given one: its key terms (Xapian's expand set over the
        document), plus the other-script spellings of the names it mentions."""
        deadline = self._deadline()
        text = text[:MORE_LIKE_CHARS]
        names = [xapian.Query(xapian.Query.OP_PHRASE, words, len(words)) if len(words) > 1
                 else xapian.Query(words[0])
                 for words in name_spellings(self.aliases or default_aliases(), text)]
        own = _term("doc_id", doc_id)

        def run(db: xapian.Database) -> list[Hit]:
            parts = list(names)
            postings = db.postlist(own)
            docid = next(iter(postings), None)
            if docid is not None:
                rset = xapian.RSet()
                rset.add_document(docid.docid)
                enquire = xapian.Enquire(db)
                for item in enquire.get_eset(40, rset):
                    word = item.term.decode("utf-8")
                    if not word[:1].isupper() and len(parts) < len(names) + MORE_LIKE_TERMS:
                        parts.append(_scaled(xapian.Query(item.term), item.weight))
            if not parts:
                return []
            enquire = xapian.Enquire(db)
            if not self.shards:
                enquire.set_time_limit(max(deadline.remaining(), 0.001))
            enquire.set_query(xapian.Query(xapian.Query.OP_AND_NOT,
                                           xapian.Query(xapian.Query.OP_OR, parts),
                                           xapian.Query(own)))
            return [_hit(m.document, m.weight) for m in enquire.get_mset(0, limit)]

        return self._quietly(run, [])
