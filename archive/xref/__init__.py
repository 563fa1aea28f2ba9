"""Cross-references: which news article discusses which document, with the evidence.

An article is read sentence by sentence, since one sentence often describes one document
("an Urdu letter in which Imran complains of the price of flour"). Each layer (`LAYERS` in
linker.py, in the order they run) gives candidate documents a strength in [0, 1] and
remembers the sentences behind it:

1. explicit references (references.py): document ids, file names and paths, quotes found
   verbatim in a document (with the page);
2. names and themes from the alias table (names.py), matched as whole words in the document
   and weighted by rarity (a long letter naming everyone counts each name less);
3. described files (names.py): a sentence naming a file's form (its kind, language or legacy
   encoding) with names or another form cue points at the few documents matching them all;
4. cross-lingual similarity of sentence embeddings (passages.py; archive.embeddings,
   computed at index time), scored as a margin over both sides' nearest neighbours (CSLS);
5. shared phrases (passages.py): unquoted runs of words found verbatim in one of the best
   candidates ("Monotheism and Jihad Group"), holding a word rare in the archive;
6. names spelled in another script (spelled.py, skeletons.py): an Arabic-script story's
   "زاهدان" and an English letter's "Zahidan", by consonants and long vowels;
7. corroboration only: the kind and the language a supporting sentence names (names.py),
   weighted by their rarity in the archive, and page counts (references.py);
8. attachments (references.py): a document the article clearly points at, in a sentence
   saying it "attaches" something, brings its few attachments along.

A sentence that describes one file only, or names one language only, is not counted as
passage or phrase evidence for other files. A noisy-OR of the weighted strengths is the
score (scoring.py); a link is shown from THRESHOLD up, and suggestions from NEAR_FLOOR up
as near misses. The layers read the archive only
through a LinkSource (source.py) and keep their per-article state in an ArticleContext
(context.py). Storing links is the write side's (indexer/news.py); records.py reads them.
"""

from archive.xref.context import ArticleContext, article_sentences
from archive.xref.linker import LAYERS, Layer, link_article
from archive.xref.records import (
    NEAR_FLOOR,
    LinkRecord,
    coverage_for_document,
    covered_documents,
    entity_names,
    link_json,
    links_for_article,
    near_misses,
    plain_evidence,
)
from archive.xref.scoring import STORED_MIN, THRESHOLD, WEIGHTS, Link, fuse
from archive.xref.source import DocFacts, LinkSource

__all__ = ["LAYERS", "NEAR_FLOOR", "STORED_MIN", "THRESHOLD", "WEIGHTS", "ArticleContext",
           "DocFacts", "Layer", "Link", "LinkRecord", "LinkSource", "article_sentences",
           "coverage_for_document", "covered_documents", "entity_names", "fuse", "link_article",
           "link_json", "links_for_article", "near_misses", "plain_evidence"]
