"""Layers for what an article says like a document: nearest passages by sentence
embeddings, and unquoted phrases the two share."""

from __future__ import annotations

import re

import numpy as np

from archive.embeddings import MAX_UNITS
from archive.xref.context import ArticleContext
from archive.xref.names import article_table
from archive.xref.source import LinkSource
from archive.xref.vocabulary import PHRASE_WORDS, STOP, WORD, ngrams, words_of

# Semantic layer: margin = cosine - (mean cosine of the sentence to its HUB_K nearest units
# + mean cosine of the unit to its HUB_K nearest units of other documents) / 2 (CSLS).
HUB_K = 10
NEAR = 100  # nearest units asked of the vector index for each sentence
SEMANTIC_FLOOR = 0.05  # margin below this says nothing
SEMANTIC_FULL = 0.35
SEMANTIC_TOP = 20  # documents kept per article
UNIT_BITS = np.uint64(5)  # a unit key is the document's id prefix, then 5 bits of unit number
# Phrase layer: runs of PHRASE_WORDS words an article shares with one of its PHRASE_CANDIDATES
# best candidates, counted when they hold a word rare in the archive and few candidates
# share them.
# The languages of the encoder (multilingual USE v3): Persian, Urdu and Pashto are not among
# them, so a sentence or a document in those matches nothing in particular by similarity.
ENCODER_LANGUAGES = frozenset({"ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl",
                               "pt", "ru", "th", "tr", "zh"})
# Letters of Persian and Urdu that Arabic does not use (Persian ye and keheh, Urdu heh
# goal, yeh barree, noon ghunna, tteh, ddal, rreh, peh, tcheh, jeh, gaf).
PERSO_URDU = re.compile("[\u06cc\u06a9\u06c1\u06d2\u06ba\u0679\u0688\u0691\u067e"
                        "\u0686\u0698\u06af\u06be]")
PHRASE_CANDIDATES = 30
PHRASE_HOLDERS = 2  # a run more candidates share is a phrase of the subject, not of one file
RARE_SHARE = 0.01  # of the archive's documents, at most, holding a rare word


class Semantic:
    """Cross-lingual similarity of the article's sentences and the documents' units, as a
    margin over both sides' nearest neighbours, so that a sentence or passage resembling
    everything matches nothing in particular."""

    name = "semantic"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        if source.unit_count() < 2:
            return
        queries = source.embed(ctx.sentences)
        nearest = source.nearest_units(queries, NEAR)
        sentence_hub = np.array([sims[:HUB_K].mean() if len(sims) else 0.0
                                 for _, sims in nearest], dtype=np.float32)
        owners = source.unit_owners(np.concatenate([k for k, _ in nearest]))
        keys = np.array(sorted(owners), dtype=np.uint64)
        if not len(keys):
            return
        found = source.unit_vectors(keys)
        sims = found @ queries.T  # candidate units x sentences, exact
        margins = sims - (sentence_hub[None, :] + _hubness(source, keys, found)[:, None]) / 2
        ranked = sorted(self._best(ctx, source, keys, owners, margins).items(),
                        key=lambda kv: -kv[1][0])[:SEMANTIC_TOP]
        for doc_id, (margin, r, q) in ranked:
            if margin < SEMANTIC_FLOOR:
                break
            page, text = source.unit_passage(doc_id, int(keys[r]) & (MAX_UNITS - 1))
            link = ctx.link(doc_id)
            link.signals["semantic"] = (margin - SEMANTIC_FLOOR) / (SEMANTIC_FULL - SEMANTIC_FLOOR)
            link.page = link.page or page
            link.sentences.add(q)
            link.evidence["passage"] = {
                "page": page, "text": text, "sentence": ctx.sentences[q][:300],
                "similarity": round(float(sims[r, q]), 3), "margin": round(margin, 3)}

    @staticmethod
    def _best(ctx: ArticleContext, source: LinkSource, keys: np.ndarray,
              owners: dict[int, str], margins: np.ndarray) -> dict[str, tuple[float, int, int]]:
        """doc -> (best margin, unit row, sentence), silent sentences left out."""
        best: dict[str, tuple[float, int, int]] = {}
        mute: dict[str, np.ndarray] = {}  # doc -> the sentences that say nothing of it
        unknown = np.array([is_beyond_encoder(s) for s in ctx.sentences])
        for r, key in enumerate(keys):
            doc_id = owners[int(key)]
            if doc_id not in mute:
                languages = source.facts_of(doc_id).languages
                if languages and not languages & ENCODER_LANGUAGES:
                    continue  # a Persian or Urdu document: its vectors say little
                mute[doc_id] = unknown | np.array([ctx.is_silent(q, doc_id, languages)
                                                   for q in range(len(ctx.sentences))])
            margins[r, mute[doc_id]] = -9.0
            q = int(margins[r].argmax())
            if margins[r, q] > best.get(doc_id, (-9.0, 0, 0))[0]:
                best[doc_id] = (float(margins[r, q]), r, q)
        return best


def is_beyond_encoder(sentence: str) -> bool:
    """Whether a sentence is written in Persian or Urdu (letters Arabic does not use)."""
    return len(PERSO_URDU.findall(sentence)) >= 2


def _hubness(source: LinkSource, keys: np.ndarray, found: np.ndarray) -> np.ndarray:
    """For each unit: mean cosine to its HUB_K nearest units of other documents."""
    out = np.zeros(len(keys), dtype=np.float32)
    neighbours = source.nearest_units(found, HUB_K + MAX_UNITS + 1)
    for i, (key, (near, sims)) in enumerate(zip(keys, neighbours, strict=True)):
        other = sims[(near >> UNIT_BITS) != (np.uint64(key) >> UNIT_BITS)][:HUB_K]
        out[i] = other.mean() if len(other) else 0.0
    return out


class SharedPhrases:
    """Distinctive runs of words an article shares, unquoted, with one of its best
    candidates ("Monotheism and Jihad Group"), holding two content words besides the names
    of the alias table, one of them rare in the archive by live documents."""

    name = "phrases"

    def apply(self, ctx: ArticleContext, source: LinkSource) -> None:
        if not ctx.links:
            return
        for link in ctx.links.values():
            link.fuse()
        candidates = sorted(ctx.links.values(), key=lambda e: -e.score)[:PHRASE_CANDIDATES]
        grams = {e.doc_id: source.ngrams_of(e.doc_id) for e in candidates}
        words = [words_of(s) for s in ctx.sentences]
        frequencies = source.doc_frequencies({w for ws in words for w in ws if len(w) >= 4})
        rare = max(2, int(RARE_SHARE * source.doc_count()))
        table = article_table(source.aliases)
        found: dict[str, dict[int, list[tuple[int, int]]]] = {}  # doc -> sentence -> spans
        for i, ws in enumerate(words):
            for doc_id, runs in _shared_runs(ctx, source, i, ws, grams).items():
                for a, b in runs:
                    named = _name_words(table, ws[a:b])
                    content = [w for n, w in enumerate(ws[a:b])
                               if len(w) >= 4 and w not in STOP and n not in named]
                    if len(content) >= 2 and any(0 < frequencies.get(w, 0) <= rare
                                                 for w in content):
                        found.setdefault(doc_id, {}).setdefault(i, []).append((a, b))
        for doc_id, by_sentence in found.items():
            texts = [" ".join(WORD.findall(ctx.sentences[i])[a:b])
                     for i, spans in by_sentence.items() for a, b in spans]
            link = ctx.links[doc_id]
            link.signals["phrases"] = min(1.0, 0.5 * len(texts))
            link.sentences |= set(by_sentence)
            link.evidence["phrases"] = texts[:5]
            if link.page is None:
                link.page = source.find_page(doc_id, texts[0])


def _name_words(table, words: list[str]) -> set[int]:
    """The positions of words that belong to a name of the alias table ("أسامة بن لادن" is
    the entity layer's evidence, not a phrase)."""
    out, i = set(), 0
    while i < len(words):
        match = table.find(words, i)
        if match:
            out |= set(range(i, i + match[1]))
            i += match[1]
        else:
            i += 1
    return out


def _shared_runs(ctx: ArticleContext, source: LinkSource, i: int, words: list[str],
                 grams: dict[str, frozenset]) -> dict[str, list[list[int]]]:
    """doc -> the runs [start, end) of sentence i's words it shares n-gram by n-gram."""
    spans: dict[str, list[list[int]]] = {}
    for start, gram in enumerate(ngrams(words)):
        holders = [d for d, g in grams.items() if gram in g]
        if len(holders) > PHRASE_HOLDERS:
            continue
        for doc_id in holders:
            if ctx.is_silent(i, doc_id, source.facts_of(doc_id).languages):
                continue
            runs = spans.setdefault(doc_id, [])
            if runs and start <= runs[-1][1]:
                runs[-1][1] = start + PHRASE_WORDS
            else:
                runs.append([start, start + PHRASE_WORDS])
    return spans
