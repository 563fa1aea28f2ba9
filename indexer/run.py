"""One indexing run: compare the crawl with the catalog, extract what changed, write, summarise."""

from __future__ import annotations

import time
from collections import Counter, deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from archive.config import Settings
from archive.permalinks import doc_id_for
from indexer.crawl import FileEntry, Skipped, crawl, sha256_file
from indexer.errors import EMPTY, FAILED, TOO_LARGE, UNREADABLE
from indexer.extracted import ExtractOptions
from indexer.pipeline import Task, WorkerConfig, WorkerPool, blob_path, failure
from indexer.write import CatalogWriter

# Documents extracted between two index syncs in a long run. Each sync stalls extraction
# and merges segments, so they are rare; the catalog holds everything in between.
INDEX_EVERY = 10_000
# Member files one top-level file may make us extract, over all its nesting levels, as a
# multiple of --max-members (which bounds one container): a bomb of distinct nested
# archives stops there, recorded as too large.
WORK_BUDGET_FACTOR = 4
MAX_LISTED = 1000  # skipped entries listed by path in a run's summary (all are counted)


class Reporter(Protocol):
    """Where a run reports progress: the CLI's progress bar, or nothing."""

    def phase(self, name: str, total: int) -> None: ...

    def step(self, item: str, n: int = 1) -> None: ...

    def more(self, n: int) -> None: ...


class SilentReporter:
    """A Reporter that reports nothing."""

    def phase(self, name: str, total: int) -> None:
        pass

    def step(self, item: str, n: int = 1) -> None:
        pass

    def more(self, n: int) -> None:
        pass


@dataclass
class Summary:
    """What a run did: counts per change, failures by reason, and how long it took.

    `failed` counts failures only; files read with nothing to read in them (status EMPTY)
    are counted by reason in `empty`, so they do not make the run fail.
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
    skipped: Counter = field(default_factory=Counter)  # entries not indexed, by reason
    skipped_paths: list[dict] = field(default_factory=list)  # the first MAX_LISTED of them
    indexed: int = 0
    embedded: int = 0  # documents whose sentence embeddings were computed
    relinked: int = 0  # news articles whose links were recomputed
    seconds: float = 0.0
    interrupted: bool = False
    var: str = ""

    def as_dict(self) -> dict:
        return {"added": self.added, "updated": self.updated, "moved": self.moved,
                "removed": self.removed, "unchanged": self.unchanged,
                "extracted": self.extracted, "failed": dict(sorted(self.failed.items())),
                "failures": self.failures, "empty": dict(sorted(self.empty.items())),
                "skipped": dict(sorted(self.skipped.items())),
                "skipped_paths": self.skipped_paths,
                "indexed": self.indexed,
                "embedded": self.embedded, "relinked": self.relinked,
                "seconds": round(self.seconds, 2), "interrupted": self.interrupted,
                "var": self.var}


def extract_options(settings: Settings) -> ExtractOptions:
    return ExtractOptions(ocr=settings.ocr, ocr_languages=settings.ocr_languages,
                          ocr_dpi=settings.ocr_dpi, ocr_max_pages=settings.ocr_max_pages,
                          max_container_bytes=settings.max_container_mb * 2**20,
                          max_members=settings.max_members, time_limit=settings.time_limit)


def _hash(entry: FileEntry) -> tuple[FileEntry, str | None, str | None]:
    try:
        return entry, sha256_file(entry.path), None
    except OSError as exc:
        return entry, None, f"{entry.rel}: cannot read the file: {exc}"


def index_collection(settings: Settings, folder: Path, reporter: Reporter | None = None,
                     retry_failed: bool = False) -> Summary:
    """Bring the catalog and index of `settings.var` up to date with `folder`.

    Only new, changed and moved files are extracted. Work is committed in batches, so an
    interrupted run (KeyboardInterrupt propagates after committing) resumes where it stopped.
    Raises CollectionMismatchError when `var` belongs to another collection.
    """
    started = time.monotonic()
    reporter = reporter or SilentReporter()
    summary = Summary(var=str(settings.var))
    writer = CatalogWriter(settings, folder)
    run_id = writer.start_run(folder)
    try:
        writer.sync_index()  # catch up on work a killed run committed but did not index
        _plan_and_extract(settings, folder.resolve(), writer, reporter, summary, retry_failed)
        writer.commit()
        summary.indexed = writer.sync_index()
        if settings.embeddings:  # after the index commit: search works while this runs
            summary.embedded = writer.embed_documents(reporter)
        if summary.extracted or summary.removed or summary.moved or summary.embedded:
            summary.relinked = writer.relink_news()
    except KeyboardInterrupt:
        summary.interrupted = True  # what was committed stays; the next run resumes
        raise
    finally:
        writer.commit()
        summary.seconds = time.monotonic() - started
        writer.finish_run(run_id, summary.as_dict())
        writer.close()
    return summary


def _plan_and_extract(settings: Settings, root: Path, writer: CatalogWriter, reporter: Reporter,
                      summary: Summary, retry_failed: bool) -> None:
    """Compare the crawl with the catalog, record what moved or left, extract the rest."""
    run = _Run(settings, writer, reporter, summary, retry_failed)
    skipped: list[Skipped] = []
    entries = list(crawl(root, skip=(settings.var,), skipped=skipped))
    summary.skipped.update(s.reason for s in skipped)
    summary.skipped_paths = [{"path": s.rel, "reason": s.reason} for s in skipped[:MAX_LISTED]]
    known = writer.known_paths()
    removed = sorted(set(known) - {e.rel for e in entries})
    run.plan(run.hash_all(run.changed(entries, known)), known, removed)
    writer.commit()
    for row in writer.pending_children():
        run.queue(_child_task(settings, row))
    run.extract()


class _Run:
    """The extraction half of a run: the task queue, the duplicates waiting for a document
    in it, and the work each top-level file has cost."""

    def __init__(self, settings: Settings, writer: CatalogWriter, reporter: Reporter,
                 summary: Summary, retry_failed: bool):
        self.settings, self.writer, self.reporter = settings, writer, reporter
        self.summary, self.retry_failed = summary, retry_failed
        self.tasks: deque[Task] = deque()
        self.categories: dict[str, str] = {}  # top-level path -> "added" or "updated"
        # sha256 -> paths with the same bytes as a queued task, set once it is recorded: a
        # zip of sixteen identical zips (42.zip) costs one extraction per level, not 16^n.
        self.waiting: dict[str, list[tuple]] = {}
        self.cost: Counter = Counter()  # top-level path -> member tasks queued for it
        self.budget = settings.max_members * WORK_BUDGET_FACTOR

    def changed(self, entries: list[FileEntry], known: dict) -> list[FileEntry]:
        """The entries whose size or modification time differ from the catalog's."""
        changed = []
        for entry in entries:
            old = known.get(entry.rel)
            same = old and old.size == entry.size and old.mtime_ns == entry.mtime_ns
            if same and not self._retry(old.doc_id):
                self.summary.unchanged += 1
            else:
                changed.append(entry)
        return changed

    def hash_all(self, changed: list[FileEntry]) -> list[tuple[FileEntry, str]]:
        self.reporter.phase("hashing", len(changed))
        hashed = []
        with ThreadPoolExecutor(max_workers=4) as pool:
            for entry, sha, error in pool.map(_hash, changed):
                self.reporter.step(entry.rel)
                if sha is None:
                    self._failed(entry.rel, UNREADABLE, error)
                else:
                    hashed.append((entry, sha))
        return hashed

    def plan(self, hashed: list[tuple[FileEntry, str]], known: dict, removed: list[str]) -> None:
        """Record unchanged contents, moves, copies and removals; queue the rest."""
        # A removed path whose content shows up at a new path is a move, not a removal.
        removed_by_doc: dict[str, list[str]] = {}
        for rel in removed:
            removed_by_doc.setdefault(known[rel].doc_id, []).append(rel)
        writer, summary = self.writer, self.summary
        for entry, sha in hashed:
            doc_id, old = doc_id_for(sha), known.get(entry.rel)
            if old and old.doc_id == doc_id and not self._retry(doc_id):
                writer.touch_path(entry.rel, entry.size, entry.mtime_ns)
                summary.unchanged += 1
                continue
            state = writer.document_state(doc_id)
            if state and removed_by_doc.get(doc_id) and not old:
                writer.move_path(removed_by_doc[doc_id].pop(), entry.rel, entry.size,
                                 entry.mtime_ns)
                summary.moved += 1
            elif (state and not self._retry(doc_id)) or sha in self.waiting:
                self._point(sha, (entry.rel, doc_id, entry.size, entry.mtime_ns))
                self._count("updated" if old else "added")
            else:
                self.categories[entry.rel] = "updated" if old else "added"
                self.queue(Task(path=entry.path, rel=entry.rel, sha256=sha, size=entry.size,
                                mtime_ns=entry.mtime_ns, root_path=entry.rel))
        for rel in removed:
            if rel in removed_by_doc.get(known[rel].doc_id, []):
                writer.remove_path(rel)
                summary.removed += 1

    def queue(self, task: Task) -> None:
        """Queue a task, or, when the same bytes are queued already, wait for that one."""
        if task.sha256 in self.waiting:
            self._point(task.sha256, (task.rel, doc_id_for(task.sha256), task.size,
                                      task.mtime_ns, task.parent_path, task.root_path))
            return
        self.waiting[task.sha256] = []
        self.tasks.append(task)

    def extract(self) -> None:
        if not self.tasks:
            return
        settings = self.settings
        config = WorkerConfig(options=extract_options(settings), blob_dir=settings.blob_dir,
                              max_depth=settings.max_depth,
                              max_file_bytes=settings.max_file_mb * 2**20,
                              memory_limit_bytes=settings.memory_limit_mb * 2**20)
        self.reporter.phase("extracting", len(self.tasks))
        since_sync = 0
        with _pool(settings, config) as pool:
            for outcome in pool.process(self.tasks):
                self._record(outcome)
                if self.writer.should_commit():
                    self.writer.commit()
                since_sync += 1
                if since_sync >= INDEX_EVERY:
                    self.writer.sync_index()
                    since_sync = 0

    def _record(self, outcome) -> None:
        task, summary = outcome.task, self.summary
        self.writer.record(outcome)
        for path in self.waiting.pop(task.sha256, []):
            self.writer.set_path(*path)
        summary.extracted += 1
        if task.parent_path is None:
            self._count(self.categories.get(task.rel, "added"))
        if outcome.status == FAILED:
            self._failed(task.rel, outcome.reason, outcome.error)
        elif outcome.status == EMPTY:
            summary.empty[outcome.reason] += 1
        for child in outcome.children:
            self._child(task, child)
        self.reporter.step(task.rel)

    def _child(self, parent: Task, child) -> None:
        rel, doc_id = f"{parent.rel}!/{child.name}", doc_id_for(child.sha256)
        if self.writer.document_state(doc_id):
            self.writer.set_path(rel, doc_id, child.size, 0, parent.rel, parent.root_path)
            return
        task = Task(path=blob_path(self.settings.blob_dir, child.sha256), rel=rel,
                    sha256=child.sha256, size=child.size, mtime_ns=0,
                    root_path=parent.root_path, parent_id=doc_id_for(parent.sha256),
                    parent_path=parent.rel, depth=parent.depth + 1)
        if child.sha256 not in self.waiting:
            self.cost[parent.root_path] += 1
            if self.cost[parent.root_path] > self.budget:
                self.writer.record(failure(task, TOO_LARGE, (
                    f"{rel}: {parent.root_path} unpacks into more than {self.budget} files "
                    f"in all; the rest are not extracted (raise --max-members to take more).")))
                self._failed(rel, TOO_LARGE, "over the work budget of its top-level file")
                return
            self.reporter.more(1)
        self.queue(task)

    def _point(self, sha256: str, path: tuple) -> None:
        if sha256 in self.waiting:
            self.waiting[sha256].append(path)
        else:
            self.writer.set_path(*path)

    def _count(self, category: str) -> None:
        setattr(self.summary, category, getattr(self.summary, category) + 1)

    def _failed(self, rel: str, reason: str, error: str | None) -> None:
        self.summary.failed[reason] += 1
        self.summary.failures.append({"path": rel, "reason": reason, "error": error})

    def _retry(self, doc_id: str) -> bool:
        return self.retry_failed and _has_failed(self.writer, doc_id)


def _pool(settings: Settings, config: WorkerConfig):
    """Local worker processes, or the Dask cluster at settings.scheduler: one interface."""
    if settings.scheduler:
        from indexer.cluster import DaskPool  # imports distributed only when a cluster is used

        return DaskPool(settings.scheduler, config, settings.time_limit)
    return WorkerPool(settings.worker_count, config, settings.time_limit)


def _has_failed(writer: CatalogWriter, doc_id: str) -> bool:
    state = writer.document_state(doc_id)
    return bool(state and state[1] in (FAILED, EMPTY))  # OCR may find text on a second try


def _child_task(settings: Settings, row) -> Task:
    path = blob_path(settings.blob_dir, row["sha256"])
    return Task(path=path, rel=row["path"], sha256=row["sha256"], size=row["size"], mtime_ns=0,
                root_path=row["root_path"], parent_id=row["parent_id"],
                parent_path=row["parent_path"], depth=row["depth"])


