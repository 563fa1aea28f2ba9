"""Relevance of search on judged query sets: precision@10, recall@10 and MRR per language.

Two sets, one evaluation. `--set sample` (the default) indexes sample_docs/release and runs
bench/relevance.json; `--set real` copies the real documents listed in REAL_FILES from
../shared/corpus (the CTC letters, news stories, the CIA video manifest and the fixture files
with Arabic, Persian or Urdu text) to a temporary folder, indexes it and runs
bench/relevance-real.json. `--var` takes an archive already built over the same files. Usage:

    .venv/bin/python bench/search_eval.py [--set real] [--var var] [--no-aliases]
                                          [--engine xapian] [-v]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive.catalog import Catalog  # noqa: E402
from archive.config import Settings  # noqa: E402
from archive.engines import open_index  # noqa: E402
from archive.model import SearchRequest  # noqa: E402

BENCH = Path(__file__).resolve().parent
JUDGEMENTS = BENCH / "relevance.json"
REAL_JUDGEMENTS = BENCH / "relevance-real.json"
SAMPLE = ROOT / "sample_docs" / "release"
SHARED_CORPUS = ROOT.parent / "shared" / "corpus"
K = 10

# The real documents judged in bench/relevance-real.json, relative to ../shared/corpus; the
# copy keeps these paths, so the judgements name them as they are. The English fixtures at
# the end are judged too (relevant to none of the queries): they are there to be ranked below.
REAL_FILES = (
    "ctc-letters-from-abbottabad-2012/text",
    "news-binladen-documents-en/dailymail",
    "cia-2017-abbottabad-video-manifest/video_data.csv",
    "fixtures-docling/files/pdf/sources/right_to_left_01.pdf",
    "fixtures-docling/files/pdf/sources/right_to_left_02.pdf",
    "fixtures-docling/files/pdf/sources/right_to_left_03.pdf",
    "fixtures-apache-tika/files/testArabicMisleadingCharset.html",
    "fixtures-apache-tika/files/testTXTNonASCIIUTF8.txt",
    "fixtures-unstructured/files/language-docs/UDHR_first_article_all.txt",
    "fixtures-unstructured/files/language-docs/eng_spa_mult.txt",
    "fixtures-pypdf/files/multilang.pdf",
    "fixtures-docling/files/html/sources/wiki_duck.html",
    "fixtures-unstructured/files/norwich-city.txt",
    "fixtures-unstructured/files/book-war-and-peace-1p.txt",
    "fixtures-unstructured/files/fake-text.txt",
    "fixtures-apache-tika/files/english.txt",
    "fixtures-aleph-ingest-file/files/the-dorset-food-menu.pdf",
)


class CorpusMissingError(Exception):
    """Raised when ../shared/corpus, which the real set is judged over, is absent."""


def copy_real_collection(folder: Path, corpus: Path = SHARED_CORPUS) -> Path:
    """Copy the judged real documents to `folder` under their corpus paths (the corpus is
    read-only, and indexing writes nothing there, but a copy keeps the run self-contained).

    Raises CorpusMissingError naming the folder when the corpus or one of its files is absent.
    """
    if not corpus.is_dir():
        raise CorpusMissingError(f"{corpus} is absent: the real set is judged over the shared "
                                 "corpus beside the repository (../shared/corpus)")
    for name in REAL_FILES:
        source = corpus / name
        if not source.exists():
            raise CorpusMissingError(f"{source} is absent from the shared corpus")
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, copy_function=shutil.copyfile)
        else:
            shutil.copyfile(source, target)
    return folder


SETS = {
    "sample": (JUDGEMENTS, lambda folder: shutil.copytree(SAMPLE, folder)),
    "real": (REAL_JUDGEMENTS, copy_real_collection),
}


def build_archive(var: Path, folder: Path, set_name: str = "sample", engine: str = "") -> Path:
    """Copy the documents of a judged set to `folder` and index them into `var` (without
    sentence embeddings: search does not use them). Raises CorpusMissingError for `real`
    when ../shared/corpus is absent."""
    from indexer.run import index_collection

    SETS[set_name][1](folder)
    index_collection(Settings(var=var, engine=engine, jobs=2, embeddings=False), folder)
    return var


def evaluate(var: Path, aliases: bool = True, engine: str = "",
             judgements: Path = JUDGEMENTS) -> list[dict]:
    """One row per judged query: the ranks of its relevant documents and the figures; the
    archive's own engine answers (EngineMismatchError when `engine` names another)."""
    catalog = Catalog(var / "catalog.sqlite")
    index = open_index(Settings(var=var, engine=engine))
    rows = []
    for item in json.loads(judgements.read_text(encoding="utf-8"))["queries"]:
        relevant = {catalog.resolve(p): p for p in item["relevant"]}
        hits = index.search(SearchRequest(item["query"], page_size=K, aliases=aliases)).hits
        ranked = [h.doc_id for h in hits]
        found = [i + 1 for i, d in enumerate(ranked) if d in relevant]
        missed = [p for d, p in relevant.items() if d not in ranked]
        rows.append({**item, "ranks": found, "top": ranked, "missed": missed,
                     "precision": len(found) / K, "recall": len(found) / len(relevant),
                     "rr": 1 / found[0] if found else 0.0})
    catalog.close()
    return rows


def print_report(rows: list[dict], verbose: bool = False) -> None:
    """The per-language table, the queries with nothing relevant in the top 10 and, with
    `verbose`, every relevant document each query left out of its top 10."""
    groups = defaultdict(list)
    for row in rows:
        groups[row["lang"]].append(row)
    groups["all"] = rows
    print(f"{'language':<8} {'queries':>7} {'P@10':>6} {'R@10':>6} {'MRR':>6} {'found':>6}")
    for lang, items in groups.items():
        n = len(items)
        print(f"{lang:<8} {n:7d} {sum(r['precision'] for r in items) / n:6.2f} "
              f"{sum(r['recall'] for r in items) / n:6.2f} {sum(r['rr'] for r in items) / n:6.2f} "
              f"{sum(1 for r in items if r['ranks'])}/{n:<3d}")
    for r in rows:
        if not r["ranks"]:
            print(f"no relevant document in the top {K}: {r['query']!r} ({r['lang']}, {r['kind']})")
    if verbose:
        for r in rows:
            if r["missed"]:
                print(f"{r['query']!r} ({r['lang']}, {r['kind']}): found at {r['ranks']}, "
                      f"missed {len(r['missed'])} of {len(r['missed']) + len(r['ranks'])}:")
                for path in r["missed"]:
                    print(f"    {path}")
    print("P@10 counts relevant documents in the top 10 over 10; most queries here have 1-6 "
          "relevant documents, so R@10 and MRR say more.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", dest="set_name", default="sample", choices=sorted(SETS),
                        help="judged set: sample (sample_docs/release) or real (../shared/corpus)")
    parser.add_argument("--var", type=Path, help="an archive of the set's documents")
    parser.add_argument("--no-aliases", action="store_true", help="turn alias expansion off")
    parser.add_argument("--engine", default="", choices=["", "whoosh", "xapian"],
                        help="search engine of the temporary archive (default whoosh)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list, per query, the relevant documents missing from its top 10")
    args = parser.parse_args()
    judgements = SETS[args.set_name][0]
    with tempfile.TemporaryDirectory() as tmp:
        var = args.var
        if var is None:
            try:
                var = build_archive(Path(tmp) / "var", Path(tmp) / "collection",
                                    args.set_name, args.engine)
            except CorpusMissingError as error:
                print(f"Skipping the {args.set_name} set: {error}", file=sys.stderr)
                return
        rows = evaluate(var, aliases=not args.no_aliases, engine=args.engine,
                        judgements=judgements)
    print_report(rows, verbose=args.verbose)


if __name__ == "__main__":
    main()
