"""ArticleContext: what linking knows of one article while its layers run."""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.analysis import fold
from archive.embeddings import split_sentences
from archive.xref.scoring import Link
from archive.xref.vocabulary import LANGUAGE_CUES, mentions

MAX_SENTENCES = 80


def article_sentences(title: str, text: str) -> list[str]:
    """The headline, then the sentences of the article's text."""
    return [title.strip() or "(untitled)", *split_sentences(text)][:MAX_SENTENCES]


@dataclass
class ArticleContext:
    """The article's sentences, the candidate links found so far, and what earlier layers
    learned that later ones use: which entities each sentence names (`named`, from the
    entity layer) and which sentences describe one document only (`claimed`, from the
    described-file layer)."""

    sentences: list[str]
    links: dict[str, Link] = field(default_factory=dict)
    # entity id -> (sentences naming it, documents naming it)
    named: dict[str, tuple[set[int], set[str]]] = field(default_factory=dict)
    claimed: dict[int, str] = field(default_factory=dict)  # sentence -> the one document

    def __post_init__(self):
        self.folded = [fold(s) for s in self.sentences]
        self.text = "\n".join(self.sentences)
        # sentence -> the one language it names ("an Urdu pamphlet"), when only one
        self.single_language: dict[int, str] = {}
        for i, folded in enumerate(self.folded):
            languages = mentions(LANGUAGE_CUES, folded)
            if len(languages) == 1:
                self.single_language[i] = next(iter(languages))

    def link(self, doc_id: str) -> Link:
        """The candidate link to a document, made on first use."""
        return self.links.setdefault(doc_id, Link(doc_id))

    def sentences_with(self, needle: str) -> set[int]:
        """The sentences holding `needle` (folded)."""
        target = fold(needle)
        return {i for i, s in enumerate(self.folded) if target in s}

    def is_silent(self, i: int, doc_id: str, languages: frozenset[str]) -> bool:
        """Whether sentence i says nothing of a document written in `languages`: it describes
        another file, or it names one language only and the document is in others. Passages
        and phrases from such a sentence do not count for it."""
        if self.claimed.get(i, doc_id) != doc_id:
            return True
        lang = self.single_language.get(i)
        return lang is not None and bool(languages) and lang not in languages
