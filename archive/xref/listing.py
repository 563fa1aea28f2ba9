"""The names linking reads of every candidate document, listed once per document: the
alias-table entities it names and the names it spells in Latin and in Arabic script. The
indexer stores them in the catalog's doc_names table as it writes a document, so linking
an article never rereads its candidates' text; LinkSource lists a document itself when
its row is missing (a catalog not listed yet, or a different alias table)."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from archive.aliases import AliasTable
from archive.xref.skeletons import document_names

ENTITY_KINDS = ("person", "organisation", "place", "event", "name", "concept")
NAMES_CHARS = 50_000  # of a document's text read to list the names it holds
SPELLINGS_PAGES = 200
SPELLINGS_CHARS = 100_000  # of a document's text read for the names spelled in its scripts
# Part of the key stored with the listings: a change to what is listed lists every
# document again.
LISTING_VERSION = "1"


@dataclass(frozen=True)
class DocNames:
    """What one document names: alias-table entity ids (`complete`: its whole text was
    read for them), and skeleton -> {spelling: word} of its Latin and Arabic-script names
    (skeletons.document_names)."""

    names: frozenset[str]
    complete: bool
    latin: dict[str, dict[str, str]]
    arabic: dict[str, dict[str, str]]

    def spellings(self, latin: bool) -> dict[str, dict[str, str]]:
        return self.latin if latin else self.arabic


def list_names(title: str | None, pages: Iterable[str], aliases: AliasTable) -> DocNames:
    """List a document's names from its title and its pages in order; only the pages
    needed are taken from `pages`, so it may be a lazy reader."""
    parts, size, complete = [title or ""], 0, True
    spelled, spelled_size = [], 0
    for n, text in enumerate(pages, 1):
        if size > NAMES_CHARS and (n > SPELLINGS_PAGES or spelled_size > SPELLINGS_CHARS):
            complete = False
            break
        if size <= NAMES_CHARS:
            parts.append(text)
            size += len(text)
        else:
            complete = False
        if n <= SPELLINGS_PAGES and spelled_size <= SPELLINGS_CHARS:
            spelled.append(text)
            spelled_size += len(text) + 1
    names = frozenset(e for e in aliases.entities_in("\n".join(parts))
                      if aliases.entities[e].kind in ENTITY_KINDS)
    text = " ".join(spelled)[:SPELLINGS_CHARS]
    return DocNames(names, complete, document_names(text, True), document_names(text, False))


@lru_cache(maxsize=8)
def listing_key(aliases: AliasTable) -> str:
    """What stored listings were made with: LISTING_VERSION and the alias table's entities."""
    digest = hashlib.sha256()
    for entity_id in sorted(aliases.entities):
        entity = aliases.entities[entity_id]
        digest.update(json.dumps([entity_id, entity.kind, entity.spellings],
                                 ensure_ascii=False).encode("utf-8"))
    return f"{LISTING_VERSION}:{digest.hexdigest()[:16]}"


def names_row(listing: DocNames) -> tuple[str, int, bytes]:
    """The names, complete and spellings columns of a doc_names row."""
    spellings = json.dumps([listing.latin, listing.arabic], ensure_ascii=False,
                           separators=(",", ":"))
    return (json.dumps(sorted(listing.names)), int(listing.complete),
            zlib.compress(spellings.encode("utf-8"), 6))


def spellings_from(blob: bytes) -> tuple[dict, dict]:
    """The Latin and Arabic-script spellings of a doc_names row."""
    latin, arabic = json.loads(zlib.decompress(blob).decode("utf-8"))
    return latin, arabic
