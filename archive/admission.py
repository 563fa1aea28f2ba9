"""Broad searches one at a time: admission for queries whose cost grows with the archive.

A prefix, a wildcard, a fuzzy word, a word range or a proximity wider than a phrase makes
the engine read many words and match many documents: up to the 2 s deadline each at
100,000 documents. The server is one Python process (the GIL: about one core), so four
clients sending such queries in a loop used to fill every server thread and queue everyone
else behind them. A broad search now waits at most WAIT_SECONDS (inside its own deadline)
for one of SLOTS; past that it is refused with a message (429, try again), while plain
words, phrases and filters never wait.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh import query as wq

from archive.deadline import Deadline
from archive.errors import SearchBusyError

SLOTS = 1  # broad searches running at once in one server process
WAIT_SECONDS = 0.5  # how long a broad search may wait for a slot
MANY_LEAVES = 240  # more leaves than this (about 80 words over three fields) are broad too
BROAD_LEAVES = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, wq.TermRange)

_slots = threading.BoundedSemaphore(SLOTS)


def is_broad(q: wq.Query) -> bool:
    """Whether a parsed query's cost grows with the archive's vocabulary or its documents'
    lengths rather than with its words' postings: see the module's docstring."""
    leaves = list(q.leaves()) if not q.is_leaf() else [q]
    return len(leaves) > MANY_LEAVES or any(
        isinstance(leaf, BROAD_LEAVES) or isinstance(leaf, wq.Phrase) and leaf.slop > 1
        for leaf in leaves)


@contextmanager
def admitted(q: wq.Query, deadline: Deadline) -> Iterator[None]:
    """Run the block now for a narrow query; for a broad one, once a slot is free (waiting
    at most WAIT_SECONDS and never past the deadline). Raises SearchBusyError."""
    if not is_broad(q):
        yield
        return
    if not _slots.acquire(timeout=min(WAIT_SECONDS, deadline.remaining())):
        raise SearchBusyError(
            "Other broad searches (with *, ~, ranges or wide proximity) are running on this "
            "server; try again in a moment, or search for whole words or a phrase.")
    try:
        yield
    finally:
        _slots.release()
