"""Names spelled in another script: a word of an Arabic, Persian or Urdu article and a
capitalised word of an English document (or the reverse) with the same consonant skeleton
("زاهدان", "Zahidan"; "حکیم‌الله", "Hakimullah") are taken for one name, weighted by how rare
the document's word is in the archive. This reaches the names the alias table lacks."""

from __future__ import annotations

from archive.xref.context import ArticleContext
from archive.xref.names import article_table
from archive.xref.scoring import rarity
from archive.xref.skeletons import names_by_skeleton, spellings_agree
from archive.xref.source import LinkSource

CANDIDATES = 30  # best candidates so far compared, name by name
NAME_SHARE = 0.5  # what one name found in a single document contributes
MAX_NAMES = 40  # distinct names of one article compared
MIN_WEIGHT = 0.2  # a name weighs the product of its two words' rarities, and counts from here
MIN_NAMES = 2  # one shared skeleton alone is too often a coincidence
# A long letter naming hundreds of people matches some by chance: its names count less past
# this many (Latin names of an English document; words of an Arabic-script one).
EXPECTED = {True: 40, False: 200}


class SpelledNames:
    """Names the article and one of its best candidates share across scripts (an Arabic
    article's "زاهدان" and an English letter's "Zahidan"): the same consonants, every long
    vowel of the Arabic-script word met in the Latin one. A name weighs the product of its
    two words' rarities in the archive, shared among the candidates holding it (a name
    they all hold is the subject's, "Laden", not one document's); MIN_NAMES at least of
    MIN_WEIGHT are needed."""

    name = "spelled"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        if not ctx.links:
            return
        table = article_table(source.aliases)
        article = {latin: {k: v for k, v in names_by_skeleton(ctx.text, latin).items()
                           if not any(table.entities_in(w) for w in v.values())}
                   for latin in (True, False)}  # names of the table are the entity layer's
        if not article[True] and not article[False]:
            return
        for link in ctx.links.values():
            link.fuse()
        candidates = sorted(ctx.links.values(), key=lambda e: (-e.score, e.doc_id))[:CANDIDATES]
        shared = {link.doc_id: _shared(article, source, link.doc_id) for link in candidates}
        holders: dict[str, int] = {}
        for pairs in shared.values():
            for ours in {o for o, _, _ in pairs}:
                holders[ours] = holders.get(ours, 0) + 1
        shared = {d: [(o, t, share / holders[o]) for o, t, share in pairs]
                  for d, pairs in shared.items()}
        frequency = source.doc_frequencies({w for pairs in shared.values()
                                            for o, t, _ in pairs for w in (o, t)})
        total = max(1, source.doc_count())
        for doc_id, pairs in shared.items():
            # Rare on both sides: "قبل" (before) reads as "Kabul", but is in every Arabic letter.
            weights = sorted(((rarity(frequency.get(o, 0), total) *
                               rarity(frequency.get(t, 0), total) * share, o, t)
                              for o, t, share in pairs), reverse=True)
            weights = [x for x in weights if x[0] >= MIN_WEIGHT]
            if len(weights) < MIN_NAMES:
                continue
            link = ctx.links[doc_id]
            link.signals["spelled"] = min(1.0, sum(NAME_SHARE * w for w, _, _ in weights))
            link.evidence["spelled"] = [[ours, theirs] for _, ours, theirs in weights[:6]]
            link.sentences |= {i for _, ours, _ in weights for i in ctx.sentences_with(ours)}


def _shared(article: dict[bool, dict[str, dict[str, str]]], source: LinkSource,
            doc_id: str) -> list[tuple[str, str, float]]:
    """(article word, document word, share) for the names spelled in the two scripts; the
    share is less than 1 in a document with more names (or words) than EXPECTED holds."""
    pairs = []
    for latin_doc in (True, False):  # an English document, or an Arabic-script one
        theirs = source.spellings_in(doc_id, latin_doc)
        ours = article[not latin_doc]
        share = min(1.0, EXPECTED[latin_doc] / max(1, len(theirs)))
        for key in sorted(set(ours) & set(theirs))[:MAX_NAMES]:
            match = next(((o, t) for so, o in sorted(ours[key].items())
                          for st, t in sorted(theirs[key].items())
                          if spellings_agree(st if not latin_doc else so,
                                             so if not latin_doc else st)), None)
            if match:
                pairs.append((*match, share))
    return pairs
