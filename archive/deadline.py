"""The time one search may take: a deadline on a clock that tests can replace."""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np
from whoosh.collectors import TimeLimit, TimeLimitCollector

from archive.errors import QueryTimeoutError

SEARCH_SECONDS = 2.0  # a query stops here with the hits found so far


class Deadline:
    """A moment on a monotonic clock after which a search stops.

    `clock` is any function returning seconds (a fake one in tests, so no test depends on
    how fast the machine is); a deadline of 0 seconds has passed as soon as it is made.
    """

    def __init__(self, seconds: float = SEARCH_SECONDS,
                 clock: Callable[[], float] = time.monotonic):
        self.seconds = seconds
        self.clock = clock
        self.ends = clock() + seconds

    def remaining(self) -> float:
        """Seconds left, never below 0."""
        return max(0.0, self.ends - self.clock())

    def expired(self) -> bool:
        return self.clock() >= self.ends

    def check(self, doing: str) -> None:
        """Raise QueryTimeoutError, saying what the search was doing, once time is up."""
        if self.expired():
            raise QueryTimeoutError(
                f"The query took longer than {self.seconds:g} s while {doing} and was "
                f"stopped. Make it more precise: fewer words with ~ or *, longer prefixes, "
                f"or a filter.")


class DeadlineCollector(TimeLimitCollector):
    """Whoosh's TimeLimitCollector on a Deadline, checked between matches, with the allowed
    document numbers (facet filters) applied in the same loop: `allowed` is a flag per
    document number (bytes or any sequence indexed by it; None allows every document).

    No timer thread or SIGALRM (signals only reach the main thread, and waitress answers in
    others), and the filter cannot bypass the limit: wrapped in Whoosh's FilterCollector, a
    TimeLimitCollector never looks at the clock. Raises TimeLimit; `results()` then holds
    what was collected so far.
    """

    def __init__(self, child, deadline: Deadline, allowed: bytes | None = None,
                 record: bool = False):
        super().__init__(child, timelimit=deadline.seconds, use_alarm=False)
        self.deadline = deadline
        self.allowed = allowed
        self.seen: list[int] | None = [] if record else None
        self._flags = None  # `allowed` as an array, for collecting in bulk
        if record:
            # Every match counts: Whoosh's top-N collectors otherwise replace the matcher
            # every few matches by one without the parts of the query that cannot lift a
            # document into the top N (a union becomes an intersection), and leave out the
            # documents only those parts match.
            child.replace = 0

    def prepare(self, top_searcher, q, context):
        self.child.prepare(top_searcher, q, context)
        self.timedout = False

    def collect_matches(self):
        child, allowed, offset, seen = self.child, self.allowed, self.offset, self.seen
        parts = getattr(child.matcher, "parts", None)  # archive.matchers.SparseUnionMatcher
        if parts is not None and hasattr(child, "collect_many"):
            # a union's matches a part at a time: no Python step per match
            if allowed is not None and self._flags is None:
                self._flags = np.frombuffer(allowed, dtype=bool) \
                    if isinstance(allowed, bytes) else np.asarray(allowed, dtype=bool)
            flags = self._flags
            for ids, scores in parts():
                if self.deadline.expired():
                    self.timedout = True
                    raise TimeLimit
                if flags is not None:
                    keep = flags[offset + ids]
                    ids, scores = ids[keep], scores[keep]
                child.collect_many(ids, scores)
                if seen is not None:
                    seen.extend((offset + ids).tolist())
            return
        for sub_docnum in child.matches():
            if self.deadline.expired():
                self.timedout = True
                raise TimeLimit
            if allowed is None or allowed[offset + sub_docnum]:
                child.collect(sub_docnum)
                if seen is not None:
                    seen.append(offset + sub_docnum)

    def finish(self):
        self.child.finish()
