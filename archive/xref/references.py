"""Layers for what an article points at outright: ids, file names, quotes, attachments and
page counts."""

from __future__ import annotations

from archive.catalog import MEMBER_SEP
from archive.xref.context import ArticleContext
from archive.xref.source import LinkSource
from archive.xref.vocabulary import (
    ATTACHMENT_CUES,
    DOC_ID,
    FILE_TOKEN,
    QUOTE,
    mentions,
    page_counts,
)

MIN_FILE_STEM = 6  # shorter tokens ("a-1") name too many files
MIN_QUOTE_WORDS = 3
QUOTE_STRENGTH = 0.75  # per quote found verbatim; two quotes make a full signal
MAX_ATTACHMENTS = 3  # an e-mail "attaching the accounts" links its few attachments


class ExplicitReferences:
    """Document ids, file names and paths, and quotes found verbatim in a document (with
    the page)."""

    name = "references"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        for doc_id in sorted(set(DOC_ID.findall(ctx.text))):
            if source.has_document(doc_id):
                link = ctx.link(doc_id)
                link.signals["id"] = 1.0
                link.sentences |= ctx.sentences_with(doc_id)
                link.add_reference(f"the article gives its document id, {doc_id}")
        for token in sorted(set(FILE_TOKEN.findall(ctx.text))):
            self._file(ctx, source, token)
        for quote in sorted({q.strip() for q in QUOTE.findall(ctx.text)}):
            if len(quote.split()) >= MIN_QUOTE_WORDS:
                self._quote(ctx, source, quote)

    @staticmethod
    def _file(ctx: ArticleContext, source: LinkSource, token: str) -> None:
        stem = token.rsplit(".", 1)[0] if "." in token else token
        if len(stem) < MIN_FILE_STEM:
            return
        for doc_id, path in source.paths_containing(stem):
            name = path.rsplit(MEMBER_SEP, 1)[-1].rsplit("/", 1)[-1]
            if name.startswith(stem) or stem in name:
                link = ctx.link(doc_id)
                link.signals["file"] = 1.0
                link.sentences |= ctx.sentences_with(token)
                link.add_reference(f"the article names its file, {name}")

    @staticmethod
    def _quote(ctx: ArticleContext, source: LinkSource, quote: str) -> None:
        for doc_id in source.phrase_matches(quote):
            page = source.find_page(doc_id, quote)
            if page is None:
                continue
            link = ctx.link(doc_id)
            link.signals["quote"] = min(1.0, link.signals.get("quote", 0) + QUOTE_STRENGTH)
            link.page = link.page or page
            link.sentences |= ctx.sentences_with(quote)
            link.evidence.setdefault("quotes", []).append({"text": quote, "page": page})


class Attachments:
    """A sentence describing a document "attaching" something points at its attachments
    too, when it has a few only. Only for a document the article clearly points at."""

    name = "attached"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        for doc_id, link in list(ctx.links.items()):
            if link.signals.get("described", 0) < 1 and \
                    link.signals.get("quote", 0) < QUOTE_STRENGTH:
                continue
            said = [i for i in sorted(link.sentences)
                    if mentions(ATTACHMENT_CUES, ctx.folded[i])]
            if not said:
                continue
            children = source.children(doc_id, MAX_ATTACHMENTS + 1)
            if len(children) > MAX_ATTACHMENTS:
                continue
            for child in children:
                attached = ctx.link(child)
                attached.signals["attached"] = 1.0
                attached.sentences.add(said[0])
                attached.add_reference(f"it is attached to a document the article points at "
                                       f"({doc_id})")
                attached.evidence.setdefault("described", ctx.sentences[said[0]][:300])


class PageCounts:
    """A page count the article gives ("a 19-page letter") corroborates candidates."""

    name = "pages"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        counts = page_counts(ctx.text)
        if not counts or not ctx.links:
            return
        for doc_id, facts in source.facts(ctx.links).items():
            if facts.pages in counts:
                ctx.links[doc_id].signals["pages"] = 1.0
                ctx.links[doc_id].add_reference(f"it has {facts.pages} pages, as the article says")
