"""News-to-document links on real files: the stories in ../shared/corpus/news-binladen-documents-en
and the seed article in ../shared/seeds against the 17 letters the CTC published in 2012
(../shared/corpus/ctc-letters-from-abbottabad-2012), with each link's evidence. Usage:

    .venv/bin/python bench/xref_real.py [--all]

With --all, the best candidates below the threshold are listed too.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(ROOT))

from archive import news, xref  # noqa: E402
from archive.catalog import Catalog, connect  # noqa: E402
from archive.config import Settings  # noqa: E402
from archive.search import WhooshIndex  # noqa: E402
from indexer.news import add_articles  # noqa: E402
from indexer.run import index_collection  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--all", action="store_true", help="show candidates below threshold")
    args = parser.parse_args()
    letters = SHARED / "corpus" / "ctc-letters-from-abbottabad-2012"
    stories = SHARED / "corpus" / "news-binladen-documents-en"
    if not letters.is_dir() or not stories.is_dir():
        sys.exit(f"needs {letters} and {stories}")
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(letters, Path(tmp) / "letters",
                        ignore=shutil.ignore_patterns("SOURCE.md"))
        settings = Settings(var=Path(tmp) / "var", jobs=2, ocr=False)
        index_collection(settings, Path(tmp) / "letters")
        conn = connect(settings.catalog_path)
        index = WhooshIndex(settings.index_dir)
        articles = news.load_path(stories) + news.load_path(SHARED / "seeds")
        add_articles(conn, index, articles)
        catalog = Catalog(settings.catalog_path)
        for article in articles:
            print(f"\n{article.title[:90]} ({article.outlet or '?'}, {article.published or '?'})")
            rows = conn.execute("SELECT doc_id, score, evidence FROM news_links WHERE "
                                "news_id = ? ORDER BY score DESC LIMIT ?",
                                (article.news_id, 5 if args.all else 100)).fetchall()
            shown = [r for r in rows if args.all or r["score"] >= xref.THRESHOLD]
            if not shown:
                print("  (no document above the threshold)")
            for row in shown:
                evidence = json.loads(row["evidence"])
                mark = "LINK" if row["score"] >= xref.THRESHOLD else "    "
                print(f"  {mark} {row['score']:.2f} {catalog.document(row['doc_id']).paths[0]}")
                print(f"       {json.dumps(evidence, ensure_ascii=False)[:400]}")
        catalog.close()
        conn.close()


if __name__ == "__main__":
    main()
