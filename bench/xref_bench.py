"""Time to link one news article in a large archive: each story of sample_docs/news and
sample_docs/news-dev linked against an existing archive (read only: nothing is stored), once
with cold caches and once again warm, with the time each layer took. Usage:

    .venv/bin/python bench/xref_bench.py --var /scratch/news-var100k [--engine whoosh]

Point --var at a copy of an archive built by `docket index`; the target is 2 s an article
at 100,000 documents.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from archive import news, xref  # noqa: E402
from archive.catalog import connect  # noqa: E402
from archive.search import WhooshIndex  # noqa: E402
from archive.xref.context import ArticleContext, article_sentences  # noqa: E402
from archive.xref.linker import LAYERS  # noqa: E402


def link_timed(source: xref.LinkSource, article) -> tuple[float, dict[str, float], int]:
    """Seconds to link one article, seconds per layer, and how many candidates it had."""
    per_layer: dict[str, float] = {}
    start = time.perf_counter()
    ctx = ArticleContext(article_sentences(article.title, article.text))
    for layer in LAYERS:
        began = time.perf_counter()
        layer.apply(ctx, source)
        per_layer[layer.name] = time.perf_counter() - began
    for link in ctx.links.values():
        link.fuse()
    return time.perf_counter() - start, per_layer, len(ctx.links)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, required=True, help="a copy of an archive")
    args = parser.parse_args()
    conn = connect(args.var / "catalog.sqlite", readonly=True)
    index = WhooshIndex(args.var / "index")
    articles = news.load_path(ROOT / "sample_docs" / "news") + \
        news.load_path(ROOT / "sample_docs" / "news-dev")
    print(f"{index.doc_count()} documents, {len(articles)} articles")
    for run in ("cold", "warm"):
        source = xref.LinkSource(conn, index)
        times, layers = [], {}
        for article in articles:
            seconds, per_layer, candidates = link_timed(source, article)
            times.append(seconds)
            for name, t in per_layer.items():
                layers[name] = layers.get(name, 0.0) + t
            if run == "cold":
                print(f"  {seconds:6.2f} s  {candidates:6d} candidates  {article.source}")
        slowest = sorted(layers.items(), key=lambda kv: -kv[1])[:4]
        print(f"{run}: median {statistics.median(times):.2f} s, max {max(times):.2f} s an "
              f"article; layers (total s): " + ", ".join(f"{n} {t:.1f}" for n, t in slowest))
    conn.close()


if __name__ == "__main__":
    main()
