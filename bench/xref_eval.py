"""News-to-document links on the sample set: precision and recall per language pair.

Indexes sample_docs/release into a temporary folder (or uses --var), adds sample_docs/news,
and compares the links above the threshold with sample_docs/news-judgements.json. With
--set holdout: the articles of sample_docs/news-holdout, written after the layers were tuned
on the sample news, against news-holdout-judgements.json. With --set unseen: the frozen
stories of sample_docs/news-unseen (English, Arabic, Persian, Urdu, decoys included), judged
before any run, against an archive of sample_docs/release plus the 17 CTC "Letters from
Abbottabad" translations copied at run time into its `ctc/` folder (skipped, saying why, when
../shared/corpus is absent); it also prints a baseline: each story's BASELINE_WORDS rarest
words searched as one OR query, its top BASELINE_HITS hits taken as links. With --set dev:
the development stories of sample_docs/news-dev (judged before their first run; tuning on
them is allowed), against the same archive as unseen. Usage:

    .venv/bin/python bench/xref_eval.py [--set sample|holdout|unseen|dev] [--var var] [-v]
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
from archive.model import SearchRequest  # noqa: E402
from archive.search import WhooshIndex  # noqa: E402
from archive.xref.vocabulary import STOP, WORD  # noqa: E402
from indexer.news import add_articles  # noqa: E402

SETS = {"sample": ("news", "news-judgements.json"),
        "holdout": ("news-holdout", "news-holdout-judgements.json"),
        "unseen": ("news-unseen", "news-unseen-judgements.json"),
        "dev": ("news-dev", "news-dev-judgements.json")}
# The sets judged against the release plus the CTC letters, with the baseline beside them.
WITH_CTC = ("unseen", "dev")
CTC = ROOT.parent / "shared" / "corpus" / "ctc-letters-from-abbottabad-2012" / "text"
# The baseline, chosen once before the first run on the unseen set and not tuned on it: the
# story's 8 rarest words (4+ letters, not in xref's stop list, found in at least one document)
# as one OR query, the top 2 hits taken as its links.
BASELINE_WORDS, BASELINE_HITS = 8, 2


def rarest_words(index: WhooshIndex, text: str, k: int = BASELINE_WORDS) -> list[str]:
    """The k words of `text` held by the fewest documents (ties: first in the text)."""
    words = list(dict.fromkeys(w.lower() for w in WORD.findall(text)))
    words = [w for w in words if len(w) >= 4 and w not in STOP and not w.isdigit()]
    freq = index.doc_frequencies(words)
    held = [w for w in words if freq[w] > 0]
    return sorted(held, key=lambda w: freq[w])[:k]


def baseline_links(index: WhooshIndex, text: str, n: int = BASELINE_HITS) -> list[str]:
    """Doc ids of the top n hits of the rarest-words OR query, best first."""
    words = rarest_words(index, text)
    if not words:
        return []
    result = index.search(SearchRequest(" OR ".join(words), aliases=False, page_size=n))
    return [hit.doc_id for hit in result.hits[:n]]


def _row(conn, catalog: Catalog, index: WhooshIndex, article, judged_paths: list[str]) -> dict:
    judged = {catalog.resolve(p) for p in judged_paths}
    links = xref.links_for_article(conn, article.news_id)
    found = {link.doc_id for link in links}
    base = baseline_links(index, f"{article.title}\n{article.text}")
    doc_langs = {d: catalog.document(d).languages for d in judged | found | set(base)}
    below = {r["doc_id"]: (r["score"], json.loads(r["evidence"] or "{}")) for r in
             conn.execute("SELECT doc_id, score, evidence FROM news_links WHERE news_id = ?",
                          (article.news_id,))}
    return {"source": article.source, "lang": article.source.split("-")[1], "judged": judged,
            "first": catalog.resolve(judged_paths[0]) if judged_paths else None,
            "found": found, "links": links, "doc_langs": doc_langs, "below": below,
            "baseline": base,
            "paths": {d: catalog.document(d).paths[0] for d in judged | found | set(base)}}


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
        if source.startswith("_"):  # "_why", "_frozen": notes on the judgements
            continue
        rows.append(_row(conn, catalog, index, articles[source], judged_paths))
    catalog.close()
    conn.close()
    return rows


def collection(which: str, tmp: Path) -> Path | None:
    """The folder to index: sample_docs/release, or for `unseen` a copy of it with the CTC
    letters under ctc/ (None when ../shared/corpus is absent)."""
    release = ROOT / "sample_docs" / "release"
    if which not in WITH_CTC:
        return release
    if not CTC.is_dir():
        return None
    folder = tmp / "collection"
    shutil.copytree(release, folder)
    (folder / "ctc").mkdir()
    for letter in sorted(CTC.glob("SOCOM-2012-*.txt")):
        shutil.copy2(letter, folder / "ctc" / letter.name)
    return folder


def print_pairs(rows: list[dict], key: str = "found") -> None:
    """Precision and recall per language pair (story -> document) of the links in row[key]."""
    pairs: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # tp, found, judged
    for row in rows:
        found = set(row[key])
        for doc_id in found | row["judged"]:
            lang = (row["doc_langs"].get(doc_id) or ("none",))[0]
            pair = f"{row['lang']}->{lang}"
            pairs[pair][0] += doc_id in found and doc_id in row["judged"]
            pairs[pair][1] += doc_id in found
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


def print_margins(rows: list[dict]) -> None:
    """How far the threshold sits from the decisions: the weakest judged document's score and
    the strongest unjudged candidate's (computed, shown or not)."""
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


def print_unseen_summary(rows: list[dict]) -> None:
    """Main-document-first share and decoys, for the layers and for the baseline."""
    judged = [row for row in rows if row["judged"]]
    decoys = [row for row in rows if not row["judged"]]
    for name, best, found in (
            ("layers", lambda r: r["links"][0].doc_id if r["links"] else None,
             lambda r: r["found"]),
            ("baseline", lambda r: r["baseline"][0] if r["baseline"] else None,
             lambda r: set(r["baseline"]))):
        first = sum(best(r) == r["first"] for r in judged)
        many = sum(len(found(r)) > 1 for r in decoys)
        some = sum(len(found(r)) > 0 for r in decoys)
        print(f"{name:<9} main document first {first}/{len(judged)} "
              f"({first / max(len(judged), 1):.2f}); decoys linking >1 document "
              f"{many}/{len(decoys)}, linking any {some}/{len(decoys)}")


def print_detail(rows: list[dict], verbose: bool, baseline: bool = False) -> None:
    """The links of every article with a miss or a wrong link (every article with -v)."""
    for row in rows:
        missed = row["judged"] - row["found"]
        wrong = row["found"] - row["judged"]
        if missed or wrong or verbose:
            print(f"\n{row['source']}")
            for link in row["links"]:
                mark = "ok " if link.doc_id in row["judged"] else "XX "
                print(f"  {mark}{link.score:.2f} {row['paths'][link.doc_id]} "
                      f"{json.dumps(link.evidence, ensure_ascii=False)[:160]}")
            for doc_id in missed:
                score, evidence = row["below"].get(doc_id, (0.0, {}))
                print(f"  missed {score:.2f} {row['paths'][doc_id]} "
                      f"{json.dumps(evidence, ensure_ascii=False)[:160]}")
            if baseline:
                marks = [("ok " if d in row["judged"] else "XX ") + row["paths"][d]
                         for d in row["baseline"]]
                print(f"  baseline: {', '.join(marks) or 'nothing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, help="an archive of the collection to copy "
                        "(sample_docs/release; for unseen, release plus ctc/)")
    parser.add_argument("-v", "--verbose", action="store_true", help="show every link")
    parser.add_argument("--set", dest="which", choices=sorted(SETS), default="sample",
                        help="the judged articles to evaluate")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        var = Path(tmp) / "var"
        if args.var:
            shutil.copytree(args.var, var)
        else:
            folder = collection(args.which, Path(tmp))
            if folder is None:
                print(f"skipped: the unseen set needs the CTC letters in {CTC} "
                      "(../shared/corpus is absent); they are never kept in the repository")
                return
            from indexer.run import index_collection

            index_collection(Settings(var=var), folder)
        rows = evaluate(var, args.which)
    unseen = args.which in WITH_CTC
    if unseen:
        print(f"layers (links scoring {xref.THRESHOLD} or more), per story -> document "
              "language:")
    print_pairs(rows)
    if unseen:
        print(f"\nbaseline ({BASELINE_WORDS} rarest words as one OR query, top "
              f"{BASELINE_HITS} hits):")
        print_pairs(rows, "baseline")
        print()
        print_unseen_summary(rows)
    print_margins(rows)
    print_detail(rows, args.verbose, baseline=unseen)


if __name__ == "__main__":
    main()
