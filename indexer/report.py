"""What a run reports: progress (the Reporter a CLI shows), the estimate of the time left, and
the summary of what changed, which is also recorded in the catalog's runs table."""

from __future__ import annotations

import mimetypes
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Protocol

from indexer.extractors import kind_of

MAX_LISTED = 1000  # paths per list kept in the run record of the catalog (all are counted)
# What one file costs besides its bytes (start-up, detection, writing), counted as bytes, so
# that a thousand small letters and one large scan of the same bytes are not the same work.
FILE_COST_BYTES = 64 * 1024
# How costly a byte of each kind is, relative to the others, before a file of that kind has
# finished: OCR'd images far more than PDFs with a text layer, those more than text; media
# are probed, not decoded. Once a kind has run, its own rate replaces its prior.
PRIOR_COST = {"text": 1, "html": 2, "email": 2, "word": 4, "spreadsheet": 4, "slides": 4,
              "pdf": 20, "image": 400, "audio": 0.1, "video": 0.1, "archive": 1}
DEFAULT_PRIOR = 10


class Reporter(Protocol):
    """Where a run reports progress: the CLI's progress bar, or nothing."""

    def phase(self, name: str, total: int) -> None: ...

    def step(self, item: str, n: int = 1) -> None: ...

    def more(self, n: int) -> None: ...

    def working(self, item: str | None, seconds_left: float | None) -> None: ...


class SilentReporter:
    """A Reporter that reports nothing."""

    def phase(self, name: str, total: int) -> None:
        pass

    def step(self, item: str, n: int = 1) -> None:
        pass

    def more(self, n: int) -> None:
        pass

    def working(self, item: str | None, seconds_left: float | None) -> None:
        pass


def guessed_kind(name: str) -> str:
    """The kind a file's name suggests (pdf, image, text, audio...). Only the estimate of the
    time left uses it, to group files that cost alike; what is stored comes from libmagic."""
    mime = mimetypes.guess_type(name.rsplit("!/", 1)[-1])[0]
    return kind_of(mime) if mime else "other"


class PhaseClock:
    """A Reporter that passes everything on to another and times each phase of the run;
    `seconds()` gives each phase's wall time, in the order they ran (a phase entered twice
    adds up)."""

    def __init__(self, inner: Reporter):
        self.inner = inner
        self._phase: str | None = None
        self._since = time.monotonic()
        self._seconds: dict[str, float] = {}

    def _close(self) -> None:
        now = time.monotonic()
        if self._phase is not None:
            self._seconds[self._phase] = self._seconds.get(self._phase, 0.0) + now - self._since
        self._since = now

    def phase(self, name: str, total: int) -> None:
        self._close()
        self._phase = name
        self.inner.phase(name, total)

    def step(self, item: str, n: int = 1) -> None:
        self.inner.step(item, n)

    def more(self, n: int) -> None:
        self.inner.more(n)

    def working(self, item: str | None, seconds_left: float | None) -> None:
        self.inner.working(item, seconds_left)

    def seconds(self) -> dict[str, float]:
        self._close()
        return {name: round(value, 2) for name, value in self._seconds.items()}


class TimeLeft:
    """Seconds left of the extraction, from the bytes left of each kind of file and the rate
    each kind has run at so far (worker seconds per byte, plus FILE_COST_BYTES per file),
    shared among the workers.

    Rates are kept per kind, so a run that opens on slow scans and goes on with small
    letters is not taken to be slow throughout; a kind not seen yet is costed by its prior,
    scaled to what the kinds seen so far took on this machine. The first file of each
    worker is not taken as a rate: it pays for loading the language models and libraries.
    """

    def __init__(self, workers: int = 1):
        self.workers = max(1, workers)
        self.warming_up = self.workers
        self.left: Counter = Counter()  # kind -> weighted bytes still to extract
        self.done: Counter = Counter()  # kind -> weighted bytes extracted
        self.spent: Counter = Counter()  # kind -> worker seconds they took

    def add(self, name: str, size: int) -> None:
        self.left[guessed_kind(name)] += size + FILE_COST_BYTES

    def finish(self, name: str, size: int, seconds: float) -> None:
        kind = guessed_kind(name)
        self.left[kind] -= size + FILE_COST_BYTES
        if self.warming_up:
            self.warming_up -= 1
            return
        self.done[kind] += size + FILE_COST_BYTES
        self.spent[kind] += max(seconds, 0.001)

    def seconds(self) -> float | None:
        """The estimate, or None before any file finished."""
        spent = sum(self.spent.values())
        if not spent:
            return None
        # The priors in this machine's seconds: what the kinds done so far took per prior.
        scale = spent / sum(b * PRIOR_COST.get(k, DEFAULT_PRIOR) for k, b in self.done.items())
        work_left = sum(
            max(b, 0) * (self.spent[k] / self.done[k] if self.done[k]
                         else PRIOR_COST.get(k, DEFAULT_PRIOR) * scale)
            for k, b in self.left.items())
        return work_left / self.workers


@dataclass
class Summary:
    """What a run did: counts per change with their paths, failures by reason, how long.

    `failed` counts failures only; files read with nothing to read in them (status EMPTY)
    are counted by reason in `empty`, so they do not make the run fail; `notes` counts
    documents read whole but with a remark (members left packed past --max-depth).
    """

    added: int = 0
    updated: int = 0
    moved: int = 0
    removed: int = 0
    unchanged: int = 0
    extracted: int = 0
    failed: Counter = field(default_factory=Counter)
    failures: list[dict] = field(default_factory=list)
    empty: Counter = field(default_factory=Counter)  # nothing to read, by reason
    notes: Counter = field(default_factory=Counter)  # read, with a remark, by reason
    noted: list[dict] = field(default_factory=list)
    skipped: Counter = field(default_factory=Counter)  # entries not indexed, by reason
    skipped_paths: list[dict] = field(default_factory=list)  # the first MAX_LISTED of them
    added_paths: list[str] = field(default_factory=list)
    updated_paths: list[str] = field(default_factory=list)  # same path, new content
    moved_paths: list[dict] = field(default_factory=list)  # {"from", "to"}: same content
    removed_paths: list[str] = field(default_factory=list)
    indexed: int = 0
    embedded: int = 0  # documents whose sentence embeddings were computed
    relinked: int = 0  # news articles whose links were recomputed
    seconds: float = 0.0
    searchable_seconds: float | None = None  # from the start until the text index was whole
    phases: dict[str, float] = field(default_factory=dict)  # wall seconds of each phase
    interrupted: bool = False
    error: str | None = None  # what ended the run early, when it did not finish
    var: str = ""

    @property
    def state(self) -> str:
        """How the run ended: finished, interrupted (Ctrl-C, SIGTERM) or stopped by an error."""
        if self.interrupted:
            return "interrupted"
        return "stopped by an error" if self.error else "finished"

    def as_dict(self, limit: int | None = None) -> dict:
        """The summary as JSON data; `limit` keeps that many paths per list."""
        cut = (lambda items: items) if limit is None else (lambda items: items[:limit])
        return {"added": self.added, "updated": self.updated, "moved": self.moved,
                "removed": self.removed, "unchanged": self.unchanged,
                "extracted": self.extracted, "failed": dict(sorted(self.failed.items())),
                "failures": cut(self.failures), "empty": dict(sorted(self.empty.items())),
                "notes": dict(sorted(self.notes.items())), "noted": cut(self.noted),
                "skipped": dict(sorted(self.skipped.items())),
                "skipped_paths": self.skipped_paths,
                "added_paths": cut(self.added_paths),
                "updated_paths": cut(self.updated_paths),
                "moved_paths": cut(self.moved_paths),
                "removed_paths": cut(self.removed_paths),
                "indexed": self.indexed,
                "embedded": self.embedded, "relinked": self.relinked,
                "seconds": round(self.seconds, 2),
                "searchable_seconds": (None if self.searchable_seconds is None
                                       else round(self.searchable_seconds, 2)),
                "phases": self.phases,
                "interrupted": self.interrupted,
                "state": self.state, "error": self.error, "var": self.var}
