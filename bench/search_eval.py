"""Relevance of search on the sample collection: precision@10, recall@10 and MRR per language.

Indexes sample_docs/release into a temporary folder (or uses --var), runs every judged query
of bench/relevance.json and prints the figures per language and overall. Usage:

    .venv/bin/python bench/search_eval.py [--var var] [--no-aliases] [--engine xapian]
"""

from __future__ import annotations

import argparse
import json
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

JUDGEMENTS = Path(__file__).resolve().parent / "relevance.json"
K = 10


def evaluate(var: Path, aliases: bool = True, engine: str = "") -> list[dict]:
    """One row per judged query: the ranks of its relevant documents and the figures; the
    archive's own engine answers (EngineMismatchError when `engine` names another)."""
    catalog = Catalog(var / "catalog.sqlite")
    index = open_index(Settings(var=var, engine=engine))
    rows = []
    for item in json.loads(JUDGEMENTS.read_text(encoding="utf-8"))["queries"]:
        relevant = {catalog.resolve(p) for p in item["relevant"]}
        hits = index.search(SearchRequest(item["query"], page_size=K, aliases=aliases)).hits
        ranked = [h.doc_id for h in hits]
        found = [i + 1 for i, d in enumerate(ranked) if d in relevant]
        rows.append({**item, "ranks": found, "top": ranked,
                     "precision": len(found) / K, "recall": len(found) / len(relevant),
                     "rr": 1 / found[0] if found else 0.0})
    catalog.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, help="an archive of sample_docs/release")
    parser.add_argument("--no-aliases", action="store_true", help="turn alias expansion off")
    parser.add_argument("--engine", default="", choices=["", "whoosh", "xapian"],
                        help="search engine of the temporary archive (default whoosh)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = args.var
        if var is None:
            from indexer.run import index_collection

            var = Path(tmp) / "var"
            index_collection(Settings(var=var, engine=args.engine),
                             ROOT / "sample_docs" / "release")
        rows = evaluate(var, aliases=not args.no_aliases, engine=args.engine)
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
    missed = [r for r in rows if not r["ranks"]]
    for r in missed:
        print(f"no relevant document in the top {K}: {r['query']!r} ({r['lang']})")
    print("P@10 counts relevant documents in the top 10 over 10; most queries here have 1-6 "
          "relevant documents, so R@10 and MRR say more.")


if __name__ == "__main__":
    main()
