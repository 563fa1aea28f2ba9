"""Search latency on a generated archive: Docket (Whoosh) against SQLite FTS5, same documents.

Generates N documents (60% Arabic, 40% English, words drawn with a Zipf law from the demo
collection's vocabulary), indexes them into a Docket catalog + Whoosh index and into an
FTS5 table, then times five kinds of query, each with facet counts (language, type, year)
and snippets for the first page of 20 hits, and prints p50/p95 latency per kind for both.
Usage:

    .venv/bin/python bench/search_bench.py --n 100000 [--queries 40] [--engine xapian]

Built archives are kept under bench/out/ and reused by later runs with the same N.

With --var, an archive that `docket index` built (e.g. from the corpus generator's files) is
timed instead, through the site's `/search.json` (Flask's test client: exact total, facets,
snippets for the first page, aliases on as the site has them), against an FTS5 table filled
from the same catalog (kept beside it as --fts, built once). Query words are drawn from the
archive's own word frequencies:

    .venv/bin/python bench/search_bench.py --var /work/scratch/search-var100k \
        --fts /work/scratch/search-fts100k.sqlite
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sqlite3
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "sample_docs"))

from archive.catalog import Catalog, compress_text, connect, decompress_text  # noqa: E402
from archive.model import IndexRecord, SearchRequest  # noqa: E402
from archive.search import WhooshIndex, search_documents  # noqa: E402
from archive.xapian_index import XapianIndex  # noqa: E402

PAGE = 20
KINDS = ("text", "pdf", "html", "email", "word")
FOLDERS = ("letters", "reports", "mail", "media", "scans")


def vocabulary() -> tuple[list[str], list[str]]:
    import texts

    words = re.findall(r"[^\W\d_]{3,}", " ".join(
        v if isinstance(v, str) else " ".join(map(str, v)) for k, v in vars(texts).items()
        if k.isupper() and isinstance(v, (str, list))))
    arabic = sorted({w for w in words if "\u0600" <= w[0] <= "\u06ff"})
    english = sorted({w.lower() for w in words if w.isascii()})
    return arabic, english


def generate(n: int, seed: int = 7):
    arabic, english = vocabulary()
    rng = random.Random(seed)
    zipf = lambda vocab: [1 / (i + 1) for i in range(len(vocab))]  # noqa: E731
    weights = {"ar": zipf(arabic), "en": zipf(english)}
    for i in range(n):
        lang = "ar" if i % 10 < 6 else "en"
        vocab = arabic if lang == "ar" else english
        words = rng.choices(vocab, weights[lang], k=rng.randint(80, 220))
        pages = [" ".join(words[j:j + 60]) for j in range(0, len(words), 60)]
        yield {"doc_id": f"{i:016x}", "lang": lang, "kind": KINDS[i % len(KINDS)],
               "folder": FOLDERS[(i // 7) % len(FOLDERS)], "year": 2000 + i % 12,
               "title": " ".join(words[:4]), "pages": pages}


def build(out: Path, n: int, engine: str = "whoosh") -> None:
    marker = out / "complete"
    if marker.exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    conn = connect(out / "catalog.sqlite")
    conn.execute("BEGIN")
    fts = sqlite3.connect(out / "fts.sqlite")
    fts.execute("CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(doc_id UNINDEXED, title, "
                "content, lang UNINDEXED, kind UNINDEXED, folder UNINDEXED, year UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 2')")
    index = WhooshIndex.recreate(out / "index") if engine == "whoosh" \
        else XapianIndex.recreate(out / "xapian")
    batch: list[IndexRecord] = []
    started = time.monotonic()
    for doc in generate(n):
        text = "\n\f".join(doc["pages"])
        path = f"{doc['folder']}/{doc['doc_id']}.txt"
        conn.execute("INSERT INTO documents (doc_id, sha256, size, mime, kind, title, "
                     "page_count, languages, status, extracted_at, indexed) VALUES "
                     "(?, ?, ?, 'text/plain', ?, ?, ?, ?, 'ok', '2026', 1)",
                     (doc["doc_id"], doc["doc_id"] * 4, len(text), doc["kind"], doc["title"],
                      len(doc["pages"]), json.dumps([doc["lang"]])))
        conn.executemany("INSERT INTO pages (doc_id, n, text) VALUES (?, ?, ?)",
                         [(doc["doc_id"], k, compress_text(p))
                          for k, p in enumerate(doc["pages"], 1)])
        conn.execute("INSERT INTO paths (path, doc_id, size, mtime_ns, root_path, first_seen) "
                     "VALUES (?, ?, 0, 0, ?, '2026')", (path, doc["doc_id"], path))
        fts.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (doc["doc_id"], doc["title"], text, doc["lang"], doc["kind"], doc["folder"],
                     doc["year"]))
        batch.append(IndexRecord(doc_id=doc["doc_id"], sha256=doc["doc_id"] * 4,
                                 title=doc["title"], text=text, paths=(path,), mime="text/plain",
                                 kind=doc["kind"], languages=(doc["lang"],), author=None,
                                 date=str(doc["year"]), page_count=len(doc["pages"]),
                                 status="ok", parent_id=None, size=len(text)))
        if len(batch) % 10_000 == 0:
            print(f"  prepared {len(batch)} documents, {time.monotonic() - started:.0f} s",
                  flush=True)
    # One commit for the whole set: committing every 10,000 documents made each commit
    # rewrite the growing index (30,000 documents took 388 s that way, measured here).
    index.upsert(batch)
    print(f"  indexed {len(batch)} documents, {time.monotonic() - started:.0f} s", flush=True)
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('collection', 'generated')")
    conn.execute("COMMIT")
    fts.commit()
    marker.write_text("ok")


def queries(rng: random.Random, count: int, arabic: list[str] | None = None,
            english: list[str] | None = None) -> dict[str, list[tuple[str, str, str]]]:
    """Per kind: (Docket query, FTS5 MATCH expression, FTS5 filter) triples, words drawn
    Zipf-like from the vocabularies (the generated collection's by default)."""
    if arabic is None or english is None:
        arabic, english = vocabulary()
    pick = lambda vocab: vocab[min(int(rng.paretovariate(1.2)) * 3, len(vocab) - 1)]  # noqa: E731
    out: dict[str, list] = {k: [] for k in ("term", "and", "phrase", "prefix", "field+term")}
    for i in range(count):
        vocab = arabic if i % 10 < 6 else english
        a, b = pick(vocab), pick(vocab)
        out["term"].append((a, f'"{a}"', ""))
        out["and"].append((f"{a} {b}", f'"{a}" AND "{b}"', ""))
        out["phrase"].append((f'"{a} {b}"', f'"{a} {b}"', ""))
        stem = a[:3]
        out["prefix"].append((f"{stem}*", f'"{stem}"*', ""))
        lang = "ar" if vocab is arabic else "en"
        out["field+term"].append((f"lang:{lang} {a}", f'"{a}"', f" AND lang = '{lang}'"))
    return out


def time_docket(index, catalog, q: str) -> float:
    started = time.perf_counter()
    search_documents(index, catalog, SearchRequest(q, page_size=PAGE, aliases=False))
    return time.perf_counter() - started


def time_fts(fts: sqlite3.Connection, match: str, where: str) -> float:
    started = time.perf_counter()
    base = f"FROM docs WHERE docs MATCH ?{where}"
    fts.execute(f"SELECT doc_id, title, snippet(docs, 2, '[[', ']]', '…', 12) {base} "
                f"ORDER BY rank LIMIT {PAGE}", (match,)).fetchall()
    fts.execute(f"SELECT COUNT(*) {base}", (match,)).fetchone()
    for facet in ("lang", "kind", "year"):
        fts.execute(f"SELECT {facet}, COUNT(*) {base} GROUP BY 1", (match,)).fetchall()
    return time.perf_counter() - started


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] * 1000


def build_fts(var: Path, path: Path) -> None:
    """An FTS5 table of the archive's documents (text, language, type, year), built once."""
    if path.exists():
        return
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    fts = sqlite3.connect(path)
    fts.execute("CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, title, content, "
                "lang UNINDEXED, kind UNINDEXED, folder UNINDEXED, year UNINDEXED, "
                "tokenize = 'unicode61 remove_diacritics 2')")
    rows = conn.execute("SELECT d.doc_id, d.title, d.kind, d.languages, "
                        "substr(coalesce(d.created, ''), 1, 4), p.text FROM documents d "
                        "JOIN pages p USING (doc_id) WHERE d.present = 1 ORDER BY d.doc_id, p.n")
    def documents():
        doc, pages = None, []
        for doc_id, title, kind, langs, year, blob in rows:
            if doc is not None and doc[0] != doc_id:
                yield (*doc[:2], "\n".join(pages), *doc[2:])
                pages = []
            doc = (doc_id, title, (json.loads(langs) or [""])[0], kind, year)
            pages.append(decompress_text(blob))
        if doc is not None:
            yield (*doc[:2], "\n".join(pages), *doc[2:])
    fts.executemany("INSERT INTO docs VALUES (?, ?, ?, ?, ?, '', ?)", documents())
    fts.commit()


def archive_queries(var: Path, rng: random.Random, count: int) -> dict[str, list]:
    """The five kinds of query, words drawn Zipf-like from the archive's own frequencies."""
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    counts: dict[str, int] = {}
    for (blob,) in conn.execute("SELECT text FROM pages ORDER BY doc_id LIMIT 3000"):
        for word in re.findall(r"[^\W\d_]{3,}", decompress_text(blob)):
            counts[word] = counts.get(word, 0) + 1
    conn.close()
    ranked = sorted(counts, key=lambda w: -counts[w])
    arabic = [w for w in ranked if "\u0600" <= w[0] <= "\u06ff"]
    english = [w for w in ranked if w.isascii()]
    return queries(rng, count, arabic, english)


def time_site(client, q: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one /search.json request."""
    started, cpu = time.perf_counter(), time.thread_time()
    response = client.get("/search.json", query_string={"q": q})
    if response.status_code != 200:
        raise SystemExit(f"{q!r}: HTTP {response.status_code} {response.data[:200]!r}")
    return time.perf_counter() - started, time.thread_time() - cpu


def time_fts_cpu(fts: sqlite3.Connection, match: str, where: str) -> tuple[float, float]:
    cpu = time.thread_time()
    return time_fts(fts, match, where), time.thread_time() - cpu


def run_site(var: Path, fts_path: Path, count: int) -> None:
    """Time the site's /search.json on an existing archive against FTS5 on its catalog.
    Both run in this process, so CPU time per query is printed too: on a shared machine
    it says what each costs whatever the others running meanwhile take."""
    from app import create_app
    from archive.config import Settings

    print(f"FTS5 table {fts_path} (built once) ...", flush=True)
    build_fts(var, fts_path)
    client = create_app(Settings(var=var)).test_client()
    fts = sqlite3.connect(fts_path)
    total = fts.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    print(f"archive {var}: FTS5 rows {total}\n")
    print(f"{'query kind':<12} {'docket p50':>10} {'p95':>8} {'fts5 p50':>10} {'p95':>8} "
          f"{'ratio p95':>9} {'cpu p50/p95 docket':>19} {'fts5':>13} {'ratio p95':>9}   (ms)")
    started = time.perf_counter()
    for kind, items in archive_queries(var, random.Random(11), count).items():
        for q, match, where in items[:3]:  # warm caches on both sides
            time_site(client, q)
            time_fts(fts, match, where)
        docket = [time_site(client, q) for q, _, _ in items]
        sqlite = [time_fts_cpu(fts, match, where) for _, match, where in items]
        wall = [d for d, _ in docket], [f for f, _ in sqlite]
        cpu = [c for _, c in docket], [c for _, c in sqlite]
        print(f"{kind:<12} {pct(wall[0], .5):10.1f} {pct(wall[0], .95):8.1f} "
              f"{pct(wall[1], .5):10.1f} {pct(wall[1], .95):8.1f} "
              f"{pct(wall[0], .95) / max(pct(wall[1], .95), 1e-3):8.1f}x "
              f"{pct(cpu[0], .5):11.1f} {pct(cpu[0], .95):7.1f} "
              f"{pct(cpu[1], .5):6.1f} {pct(cpu[1], .95):6.1f} "
              f"{pct(cpu[0], .95) / max(pct(cpu[1], .95), 1e-3):8.1f}x", flush=True)
    print(f"\n/search.json through Flask's test client; {count} queries a kind, "
          f"{time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="documents to generate")
    parser.add_argument("--queries", type=int, default=40, help="queries per kind")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    parser.add_argument("--engine", default="whoosh", choices=["whoosh", "xapian"],
                        help="the Docket engine timed against FTS5 (local Xapian)")
    parser.add_argument("--var", type=Path, help="time this `docket index` archive instead, "
                        "through /search.json")
    parser.add_argument("--fts", type=Path, help="with --var: the FTS5 table to build or reuse")
    args = parser.parse_args()
    if args.var:
        run_site(args.var, args.fts or args.var.parent / f"{args.var.name}-fts.sqlite",
                 args.queries)
        return
    out = args.out / (f"search-{args.n}" if args.engine == "whoosh"
                      else f"search-{args.n}-{args.engine}")
    print(f"building {args.n} documents in {out} (reused when present) ...", flush=True)
    build(out, args.n, args.engine)
    index = WhooshIndex(out / "index") if args.engine == "whoosh" \
        else XapianIndex(out / "xapian")
    catalog = Catalog(out / "catalog.sqlite")
    fts = sqlite3.connect(out / "fts.sqlite")
    print(f"{index.doc_count()} documents in the {args.engine} index\n")
    print(f"{'query kind':<12} {'docket p50':>10} {'p95':>8} {'fts5 p50':>10} {'p95':>8} "
          f"{'ratio p50':>9}   (ms; facets + snippets for {PAGE} hits)")
    for kind, items in queries(random.Random(11), args.queries).items():
        for q, match, where in items[:3]:  # warm caches on both sides
            time_docket(index, catalog, q)
            time_fts(fts, match, where)
        docket = [time_docket(index, catalog, q) for q, _, _ in items]
        sqlite = [time_fts(fts, match, where) for _, match, where in items]
        print(f"{kind:<12} {pct(docket, .5):10.1f} {pct(docket, .95):8.1f} "
              f"{pct(sqlite, .5):10.1f} {pct(sqlite, .95):8.1f} "
              f"{pct(docket, .5) / max(pct(sqlite, .5), 1e-3):8.1f}x")


if __name__ == "__main__":
    main()
