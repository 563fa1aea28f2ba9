"""News-to-document links on the sample set: precision and recall per language pair.

Indexes sample_docs/release into a temporary folder (or uses --var), adds sample_docs/news,
and compares the links above the threshold with sample_docs/news-judgements.json. With
--set holdout: the articles of sample_docs/news-holdout, written after the layers were tuned
on the sample news, against news-holdout-judgements.json. Usage:

    .venv/bin/python bench/xref_eval.py [--set sample|holdout] [--var var] [-v]
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

from archive import news, xref  # noqa: E402
from archive.catalog import Catalog, connect  # noqa: E402
from archive.config import Settings  # noqa: E402
from archive.search import WhooshIndex  # noqa: E402
from indexer.news import add_articles  # noqa: E402

SETS = {"sample": ("news", "news-judgements.json"),
        "holdout": ("news-holdout", "news-holdout-judgements.json")}


def evaluate(var: Path, which: str = "sample") -> list[dict]:
    """One row per article: judged and found documents (by path), and the per-link detail."""
    folder, judgements = (ROOT / "sample_docs" / name for name in SETS[which])
    conn = connect(var / "catalog.sqlite")
    index = WhooshIndex(var / "index")
    articles = {a.source: a for a in news.load_path(folder)}
    add_articles(conn, index, list(articles.values()))
    catalog = Catalog(var / "catalog.sqlite")
    rows = []
    for source, judged_paths in json.loads(judgements.read_text(encoding="utf-8")).items():
        if source.startswith("_"):  # "_why": the reasons behind less obvious judgements
            continue
        article = articles[source]
        judged = {catalog.resolve(p) for p in judged_paths}
        links = xref.links_for_article(conn, article.news_id)
        found = {link.doc_id for link in links}
        doc_langs = {link.doc_id: catalog.document(link.doc_id).languages for link in links}
        for doc_id in judged:
            doc_langs.setdefault(doc_id, catalog.document(doc_id).languages)
        below = {r["doc_id"]: (r["score"], json.loads(r["evidence"] or "{}")) for r in
                 conn.execute("SELECT doc_id, score, evidence FROM news_links WHERE news_id = ?",
                              (article.news_id,))}
        rows.append({"source": source, "lang": source.split("-")[1], "judged": judged,
                     "found": found, "links": links, "doc_langs": doc_langs, "below": below,
                     "paths": {d: catalog.document(d).paths[0] for d in judged | found}})
    catalog.close()
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, help="an archive of sample_docs/release to copy")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every link")
    parser.add_argument("--set", dest="which", choices=sorted(SETS), default="sample",
                        help="the judged articles to evaluate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        if args.var:
            shutil.copytree(args.var, var)
        else:
            from indexer.run import index_collection

            index_collection(Settings(var=var), ROOT / "sample_docs" / "release")
        rows = evaluate(var, args.which)
    pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, found, judged
    for row in rows:
        for doc_id in row["found"] | row["judged"]:
            lang = (row["doc_langs"].get(doc_id) or ("none",))[0]
            pair = f"{row['lang']}->{lang}"
            pairs[pair][0] += doc_id in row["found"] and doc_id in row["judged"]
            pairs[pair][1] += doc_id in row["found"]
            pairs[pair][2] += doc_id in row["judged"]
    print(f"{'pair':<10} {'links':>6} {'right':>6} {'judged':>7} {'precision':>10} {'recall':>7}")
    totals = [0, 0, 0]
    for pair, (tp, found, judged) in sorted(pairs.items()):
        totals = [a + b for a, b in zip(totals, (tp, found, judged), strict=True)]
        print(f"{pair:<10} {found:6d} {tp:6d} {judged:7d} "
              f"{tp / found if found else 1:10.2f} {tp / judged if judged else 1:7.2f}")
    tp, found, judged = totals
    print(f"{'all':<10} {found:6d} {tp:6d} {judged:7d} {tp / max(found, 1):10.2f} "
          f"{tp / max(judged, 1):7.2f}")
    # How far the threshold sits from the decisions: the weakest judged document's score and
    # the strongest unjudged candidate's (computed, shown or not).
    right = [(row["below"].get(d, (0.0, {}))[0], row["source"], row["paths"].get(d, d))
             for row in rows for d in row["judged"]]
    wrong = [(score, row["source"], d) for row in rows
             for d, (score, _) in row["below"].items() if d not in row["judged"]]
    if right:
        print(f"weakest judged link {min(right)[0]:.2f} ({min(right)[2]} <- {min(right)[1]})")
    if wrong:
        top = max(wrong)
        print(f"strongest unjudged candidate {top[0]:.2f} ({top[1]}), threshold "
              f"{xref.THRESHOLD}")
    for row in rows:
        missed = row["judged"] - row["found"]
        wrong = row["found"] - row["judged"]
        if missed or wrong or args.verbose:
            print(f"\n{row['source']}")
            for link in row["links"]:
                mark = "ok " if link.doc_id in row["judged"] else "XX "
                print(f"  {mark}{link.score:.2f} {row['paths'][link.doc_id]} "
                      f"{json.dumps(link.evidence, ensure_ascii=False)[:160]}")
            for doc_id in missed:
                score, evidence = row["below"].get(doc_id, (0.0, {}))
                print(f"  missed {score:.2f} {row['paths'][doc_id]} "
                      f"{json.dumps(evidence, ensure_ascii=False)[:160]}")


if __name__ == "__main__":
    main()
