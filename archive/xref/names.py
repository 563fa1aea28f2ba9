"""Layers for what an article names: people, groups and places from the alias table, the
files it describes by their form, and the kinds and languages it mentions."""

from __future__ import annotations

from functools import lru_cache

from archive.aliases import AliasTable, Entity
from archive.analysis import fold
from archive.labels import KIND_NAMES, LANGUAGE_NAMES
from archive.xref.context import ArticleContext
from archive.xref.listing import ENTITY_KINDS
from archive.xref.scoring import either, rarity
from archive.xref.skeletons import MIN_SKELETON, latin_spelling, skeleton
from archive.xref.source import LinkSource
from archive.xref.vocabulary import (
    ENCODING_CUES,
    FORM_CUES,
    KIND_CUES,
    LANGUAGE_CUES,
    STOP,
    WORD,
    mentions,
)

MAX_ENTITIES = 20  # names of one article looked up
MAX_SPELLINGS = 20  # spellings of one name searched
VERIFY_MAX = 100  # search hits of one name checked word by word in the document
ENTITY_SHARE = 0.6  # what one name found in a single document contributes
KIND_FACTOR = {"name": 0.6, "concept": 0.6}  # a first name or a theme says less than a full name
NAMES_EXPECTED = 8  # documents naming more table entities than this weigh each name less
DESCRIBED_MAX = 3  # a description matching more documents than this points at none
DESCRIBED_MIN = 1.0  # rarity-weighted cues a description must match: a specific detail
ENTITY_DOCS_MAX = 300  # a name found in more documents only weighs those others found
ENTITY_CANDIDATES = 100  # documents found by names alone kept for the later layers
RESPELL_CANDIDATES = 50  # documents sharing the most names, checked for other spellings
KIND_DOCS_MAX = 2000  # documents of one kind considered by a sentence naming no one


@lru_cache(maxsize=8)
def article_table(table: AliasTable) -> AliasTable:
    """The alias table an article is read with: one-word spellings that fold to a common
    word are left out ("على", on, folds to "علي", Ali)."""
    kept = []
    for entity in table.entities.values():
        spellings = tuple(s for s in entity.spellings
                          if not (len(WORD.findall(s)) == 1 and fold(s) in STOP))
        if spellings:
            kept.append(Entity(entity.entity_id, entity.kind, spellings))
    return AliasTable(kept)


class Entities:
    """Documents naming the article's people, groups and places as whole words, weighted
    by rarity; a long letter naming everyone counts each name less. Fills `ctx.named`."""

    name = "entities"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        table = source.aliases
        reading = article_table(table)
        where: dict[str, set[int]] = {}  # entity -> sentences naming it, in order of first use
        for i, sentence in enumerate(ctx.sentences):
            for entity_id in reading.entities_in(sentence):
                if table.entities[entity_id].kind in ENTITY_KINDS:
                    where.setdefault(entity_id, set()).add(i)
        total = max(1, source.doc_count())
        found: dict[str, list[str]] = {}
        for entity_id in list(where)[:MAX_ENTITIES]:
            entity = table.entities[entity_id]
            hits = source.documents_naming([s for s in entity.spellings[:MAX_SPELLINGS]
                                            if '"' not in s])
            if len(hits) <= VERIFY_MAX:  # the index matches stems: "سالمة", safe, is not Salim
                hits = [d for d in hits if is_named_in(source, entity_id, d)]
            found[entity_id] = hits
        _add_respelled(source, found)
        common = {e for e, hits in found.items() if len(hits) > ENTITY_DOCS_MAX}
        for entity_id in [e for e in found if e not in common] + [e for e in found if e in common]:
            hits = found[entity_id]
            if not hits or len(hits) > total * 0.5:
                continue  # named everywhere: says nothing about one document
            if entity_id in common:  # named in many: weighs only the documents found already
                hits = [d for d in hits if d in ctx.links]
            entity = table.entities[entity_id]
            ctx.named[entity_id] = (where[entity_id], set(hits))
            strength = ENTITY_SHARE * rarity(len(found[entity_id]), total) * \
                KIND_FACTOR.get(entity.kind, 1.0)
            for doc_id in hits:
                link = ctx.link(doc_id)
                link.signals["entities"] = either(link.signals.get("entities", 0), strength)
                link.sentences |= where[entity_id]
                link.evidence.setdefault("entities", []).append(entity_id)
        _keep_best(ctx)
        for link in ctx.links.values():
            if "entities" in link.signals:  # a letter naming everyone: each name says less,
                count = len(source.names_in(link.doc_id)[0])  # unless the article names
                expected = max(NAMES_EXPECTED, 2 * len(link.evidence["entities"]))  # many
                if count > expected:
                    link.signals["entities"] *= expected / count


def _keep_best(ctx: ArticleContext) -> None:
    """Keeps ENTITY_CANDIDATES documents found by names alone, those sharing the most: the
    work of later layers stays bounded whatever the archive's size."""
    by_names = sorted((link for link in ctx.links.values() if set(link.signals) == {"entities"}),
                      key=lambda e: (-e.signals["entities"], e.doc_id))
    for link in by_names[ENTITY_CANDIDATES:]:
        del ctx.links[link.doc_id]


def _respellings(entity: Entity) -> list[frozenset[str]]:
    """The consonant skeletons of each Latin spelling of an entity, word by word, when
    every word has enough of them to be told apart ("Hakimullah Mehsud": HKML, MHSD)."""
    out = []
    for spelling in entity.spellings:
        if not spelling.isascii():
            continue
        words = [skeleton(latin_spelling(w)) for w in WORD.findall(spelling)]
        words = [w for w in words if w]
        least = MIN_SKELETON if len(words) > 1 else MIN_SKELETON + 1
        if words and all(len(w) >= least for w in words):
            out.append(frozenset(words))
    return out


def _add_respelled(source: LinkSource, found: dict[str, list[str]]) -> None:
    """Adds to each entity's documents the best candidates that spell it otherwise in Latin
    letters ("Hakimullah ((Mahsud))" for Hakimullah Mehsud, "Zubair" for Zubayr): every
    word of one spelling found among the document's names by consonant skeleton."""
    counts: dict[str, int] = {}
    for hits in found.values():
        for doc_id in hits:
            counts[doc_id] = counts.get(doc_id, 0) + 1
    candidates = sorted(counts, key=lambda d: (-counts[d], d))[:RESPELL_CANDIDATES]
    for entity_id, hits in found.items():
        keys = _respellings(source.aliases.entities[entity_id])
        if not keys:
            continue
        have = set(hits)
        for doc_id in candidates:
            names = source.spellings_in(doc_id, True)
            if doc_id not in have and any(key <= names.keys() for key in keys):
                hits.append(doc_id)


def is_named_in(source: LinkSource, entity_id: str, doc_id: str) -> bool:
    """Whether a document names an entity as a whole word; text left unread gives the
    benefit of the doubt."""
    names, complete = source.names_in(doc_id)
    return entity_id in names or not complete


class DescribedFiles:
    """A sentence describing a file (a form word, "letter", "رسالة", "نامه", "خط", and several
    things at once: a person, a kind of file, a language: "an Urdu letter in which Imran
    complains...") points at the few documents matching them all. Each cue a document
    matches weighs by its rarity in the archive (a name found in one document fully, the
    language most documents share hardly at all); the documents with the most weight get
    the signal when they are at most DESCRIBED_MAX, match two cues or more, one of them of
    their form, and the weight reaches DESCRIBED_MIN: a specific, rare detail. Fills
    `ctx.claimed` with the sentences describing one document only."""

    name = "described"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        for i, sentence in enumerate(ctx.sentences):
            best = self._described(ctx, source, i)
            for doc_id in best:
                link = ctx.link(doc_id)
                link.signals["described"] = max(link.signals.get("described", 0.0),
                                                1 / len(best))
                link.sentences.add(i)
                link.evidence["described"] = sentence[:300]
            if len(best) == 1:
                ctx.claimed[i] = best[0]

    @staticmethod
    def _described(ctx: ArticleContext, source: LinkSource, i: int) -> list[str]:
        folded = ctx.folded[i]
        kinds, languages = mentions(KIND_CUES, folded), mentions(LANGUAGE_CUES, folded)
        encodings = mentions(ENCODING_CUES, folded)
        entity_docs = [docs for where, docs in ctx.named.values() if i in where]
        if not (kinds or languages or encodings) or not entity_docs and not kinds:
            return []  # names alone are the entity layer's; a file is described by its form
        if not kinds and not mentions(FORM_CUES, folded):
            return []  # "his children learn Urdu and English" describes no file
        total = max(1, source.doc_count())
        weights: dict[str, list[float]] = {}  # doc -> the weight of each cue it matches
        for docs in entity_docs:
            for doc_id in docs:
                weights.setdefault(doc_id, []).append(rarity(len(docs), total))
        if kinds:  # the documents of a kind named match without any name, too (when few)
            of_kind = source.documents_of_kind(kinds, KIND_DOCS_MAX + 1)
            if len(of_kind) <= KIND_DOCS_MAX:
                for doc_id in of_kind:
                    weights.setdefault(doc_id, [])
        kind_rarity, language_rarity = source.rarities()
        for doc_id, facts in source.facts(weights).items():
            form = [kind_rarity.get(facts.kind, 0.0)] if facts.kind in kinds else []
            form += [max(language_rarity.get(lang, 0.0) for lang in languages & facts.languages)
                     ] if languages & facts.languages else []
            form += [1.0] if facts.encoding and facts.encoding in encodings else []
            weights[doc_id] = weights[doc_id] + form if form else []
        scored = {d: sum(w) for d, w in weights.items() if len(w) >= 2}
        top = max(scored.values(), default=0.0)
        best = sorted(d for d, w in scored.items() if w >= top - 1e-9)
        return best if top >= DESCRIBED_MIN and len(best) <= DESCRIBED_MAX else []


class FormCues:
    """Corroboration only: the kind and the language the sentences pointing at a document
    name, weighted by their rarity in the archive ("in Persian" says much in an Arabic
    archive, "in Arabic" little)."""

    name = "cues"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        kind_rarity, language_rarity = source.rarities()
        for doc_id, facts in source.facts(ctx.links).items():
            link = ctx.links[doc_id]
            if not link.sentences:
                continue
            said = " ".join(ctx.folded[i] for i in sorted(link.sentences))
            if facts.kind in mentions(KIND_CUES, said):
                link.signals["kind"] = kind_rarity.get(facts.kind, 0.0)
                link.add_reference(f"it is the kind of file the article names "
                                   f"({KIND_NAMES.get(facts.kind, facts.kind).lower()})")
            named = mentions(LANGUAGE_CUES, said)
            for lang in sorted(facts.languages):
                if lang in named:
                    link.signals["language"] = max(link.signals.get("language", 0.0),
                                                   language_rarity.get(lang, 0.0))
                    link.add_reference(f"it is written in {LANGUAGE_NAMES.get(lang, lang)}, "
                                       f"as the article says")
