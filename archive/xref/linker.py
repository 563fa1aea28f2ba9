"""The linking layers in the order they run, and `link_article`, which runs them."""

from __future__ import annotations

from typing import Protocol

from archive.xref.context import ArticleContext, article_sentences
from archive.xref.names import DescribedFiles, Entities, FormCues
from archive.xref.passages import Semantic, SharedPhrases
from archive.xref.references import Attachments, ExplicitReferences, PageCounts
from archive.xref.scoring import Link
from archive.xref.source import LinkSource
from archive.xref.spelled import SpelledNames


class Layer(Protocol):
    """One kind of evidence: reads the article's context and the source, adds to the links."""

    name: str

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None: ...


# The order matters where a layer uses what an earlier one learned: described files use the
# entities' documents; passages and phrases skip the sentences that describe another file;
# names spelled in other scripts, form cues, attachments and page counts only weigh
# candidates already found.
LAYERS: tuple[Layer, ...] = (
    ExplicitReferences(),
    Entities(),
    DescribedFiles(),
    Semantic(),
    SharedPhrases(),
    SpelledNames(),
    FormCues(),
    Attachments(),
    PageCounts(),
)


def link_article(source: LinkSource, title: str, text: str,
                 layers: tuple[Layer, ...] = LAYERS) -> list[Link]:
    """Score every candidate document for one article, best first (all of them, not only
    those above the threshold), each with its evidence and signals."""
    ctx = ArticleContext(article_sentences(title, text))
    for layer in layers:
        layer.apply(ctx, source)
    for link in ctx.links.values():
        link.fuse()
        link.evidence["signals"] = {k: round(min(1.0, v), 3) for k, v in link.signals.items()}
    return sorted(ctx.links.values(), key=lambda e: (-e.score, e.doc_id))
