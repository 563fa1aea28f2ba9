"""One indexing run: compare the crawl with the catalog, extract what changed, write, summarise."""

from __future__ import annotations

import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from pathlib import Path

from archive.config import Settings
from archive.permalinks import doc_id_for
from indexer.crawl import FileEntry, Skipped, crawl, sha256_file
from indexer.errors import EMPTY, FAILED, OK, TOO_LARGE, UNREADABLE
from indexer.extracted import ExtractOptions
from indexer.pipeline import Task, WorkerConfig, WorkerPool, blob_path, failure
from indexer.project import Projector
from indexer.report import MAX_LISTED, PhaseClock, Reporter, SilentReporter, Summary, TimeLeft
from indexer.unlock import load_passwords
from indexer.write import CatalogWriter

__all__ = ["Reporter", "SilentReporter", "Summary", "index_collection"]

# Member files one top-level file may make us extract, over all its nesting levels, as a
# multiple of --max-members (which bounds one container): a bomb of distinct nested
# archives stops there, recorded as too large.
WORK_BUDGET_FACTOR = 4
HASH_THREADS = 4  # files read and hashed at once while planning
HASH_WINDOW = 256  # files handed to those threads ahead of the one awaited


def extract_options(settings: Settings) -> ExtractOptions:
    return ExtractOptions(ocr=settings.ocr, ocr_languages=settings.ocr_languages,
                          ocr_dpi=settings.ocr_dpi, ocr_max_pages=settings.ocr_max_pages,
                          max_container_bytes=settings.max_container_mb * 2**20,
                          max_members=settings.max_members, time_limit=settings.time_limit,
                          passwords=load_passwords(settings.passwords))


def _hash(entry: FileEntry) -> tuple[FileEntry, str | None, str | None]:
    try:
        return entry, sha256_file(entry.path), None
    except OSError as exc:
        return entry, None, f"{entry.rel}: cannot read the file: {exc}"


def _hashes(entries: list[FileEntry]) -> Iterator[tuple[FileEntry, str | None, str | None]]:
    """(entry, sha256, error) for each entry, in order, hashed by HASH_THREADS threads with
    at most HASH_WINDOW files in flight: Executor.map would make a future for every file
    of the release at once (about 900 MB for 470,000 files, measured)."""
    todo = iter(entries)
    with ThreadPoolExecutor(max_workers=HASH_THREADS) as pool:
        flight = deque(pool.submit(_hash, e) for e in islice(todo, HASH_WINDOW))
        while flight:
            done = flight.popleft().result()
            for entry in islice(todo, 1):
                flight.append(pool.submit(_hash, entry))
            yield done


def index_collection(settings: Settings, folder: Path, reporter: Reporter | None = None,
                     retry_failed: bool = False) -> Summary:
    """Bring the catalog and index of `settings.var` up to date with `folder`.

    Only new, changed and moved files are extracted. Work is committed in batches, so an
    interrupted run (KeyboardInterrupt propagates after committing) resumes where it stopped.
    Raises CollectionMismatchError when `var` belongs to another collection.
    """
    started = time.monotonic()
    reporter = PhaseClock(reporter or SilentReporter())  # times each phase for the summary
    summary = Summary(var=str(settings.var))
    writer = CatalogWriter(settings, folder)
    run_id = writer.start_run(folder)
    try:
        reporter.phase("catching up", 0)
        # Catch up on work a killed run committed but did not index, or refill a lost index.
        summary.indexed += writer.sync_index()
        _plan_and_extract(settings, folder.resolve(), writer, reporter, summary, retry_failed)
        writer.commit()
        reporter.phase("indexing", 0)
        summary.indexed += writer.sync_index()
        summary.searchable_seconds = time.monotonic() - started
        writer.list_documents(reporter)  # once for a catalog made before doc_names
        if settings.embeddings:  # after the index commit: search works while this runs
            summary.embedded = writer.embed_documents(reporter)
        if summary.extracted or summary.removed or summary.moved or summary.embedded:
            reporter.phase("linking news", 0)
            summary.relinked = writer.relink_news()
    except KeyboardInterrupt:
        summary.interrupted = True  # what was committed stays; the next run resumes
        raise
    except Exception as exc:
        summary.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        writer.commit()
        summary.seconds = time.monotonic() - started
        summary.phases = reporter.seconds()
        writer.finish_run(run_id, summary.as_dict(limit=MAX_LISTED))
        writer.close()
    return summary


def _plan_and_extract(settings: Settings, root: Path, writer: CatalogWriter, reporter: Reporter,
                      summary: Summary, retry_failed: bool) -> None:
    """Compare the crawl with the catalog, record what moved or left, extract the rest."""
    run = _Run(settings, writer, reporter, summary, retry_failed)
    reporter.phase("crawling", 0)
    skipped: list[Skipped] = []
    entries = list(crawl(root, skip=(settings.var,), skipped=skipped))
    summary.skipped.update(s.reason for s in skipped)
    summary.skipped_paths = [{"path": s.rel, "reason": s.reason} for s in skipped[:MAX_LISTED]]
    known = writer.known_paths()
    removed = sorted(set(known) - {e.rel for e in entries})
    run.plan(run.hash_all(run.changed(entries, known)), known, removed)
    del entries, known, removed  # the crawl of a release: not needed while extracting
    writer.commit()
    for row in writer.pending_children():
        run.queue(_child_task(settings, row))
    run.extract()
    for paths in (summary.added_paths, summary.updated_paths, summary.removed_paths):
        paths.sort()  # in the order of the collection, not of the workers
    summary.moved_paths.sort(key=lambda m: m["to"])


class _Run:
    """The extraction half of a run: the task queue, the duplicates waiting for a document
    in it, and the work each top-level file has cost."""

    def __init__(self, settings: Settings, writer: CatalogWriter, reporter: Reporter,
                 summary: Summary, retry_failed: bool):
        self.settings, self.writer, self.reporter = settings, writer, reporter
        self.summary, self.retry_failed = summary, retry_failed
        self.tasks: _Queue = _Queue(self._taken)
        self.in_flight: dict[str, Task] = {}  # rel -> task a worker has, oldest first
        self.time_left = TimeLeft(settings.worker_count)
        self.categories: dict[str, str] = {}  # top-level path -> "added" or "updated"
        # sha256 -> paths with the same bytes as a queued task, set once it is recorded
        # (None: none yet): a zip of sixteen identical zips (42.zip) costs one extraction
        # per level, not 16^n.
        self.waiting: dict[str, list[tuple] | None] = {}
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
        for entry, sha, error in _hashes(changed):
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
                source = removed_by_doc[doc_id].pop()
                writer.move_path(source, entry.rel, entry.size, entry.mtime_ns)
                summary.moved += 1
                summary.moved_paths.append({"from": source, "to": entry.rel})
            elif (state and not self._retry(doc_id)) or sha in self.waiting:
                self._point(sha, (entry.rel, doc_id, entry.size, entry.mtime_ns))
                self._count("updated" if old else "added", entry.rel)
            else:
                if old:  # "added" otherwise: the common case is not stored per file
                    self.categories[entry.rel] = "updated"
                # Queued as (entry, sha): it becomes a Task, with its Path, when a worker
                # takes it, so a release's queue holds no Path objects.
                self.waiting[sha] = None
                self.tasks.append((entry, sha))
                self.time_left.add(entry.rel, entry.size)
        for rel in removed:
            if rel in removed_by_doc.get(known[rel].doc_id, []):
                writer.remove_path(rel)
                summary.removed += 1
                summary.removed_paths.append(rel)

    def queue(self, task: Task) -> None:
        """Queue a task, or, when the same bytes are queued already, wait for that one."""
        if task.sha256 in self.waiting:
            self._point(task.sha256, (task.rel, doc_id_for(task.sha256), task.size,
                                      task.mtime_ns, task.parent_path, task.root_path))
            return
        self.waiting[task.sha256] = None
        self.tasks.append(task)
        self.time_left.add(task.rel, task.size)

    def extract(self) -> None:
        if not self.tasks:
            return
        settings = self.settings
        config = WorkerConfig(options=extract_options(settings), blob_dir=settings.blob_dir,
                              max_depth=settings.max_depth,
                              max_file_bytes=settings.max_file_mb * 2**20,
                              memory_limit_bytes=settings.memory_limit_mb * 2**20)
        self.reporter.phase("extracting", len(self.tasks))
        # The index is written by a process of its own while extraction goes on; the final
        # sync_index in index_collection projects what it has not reached.
        writer = self.writer
        with _pool(settings, config) as pool, Projector(settings, writer.conn) as index:

            def idle() -> None:  # no result yet: save the batch, feed the projector
                writer.commit_if_idle()
                index.poll()

            # The projector reads committed rows only: poll() does nothing while a batch is
            # open, and hands it the batch once the writer committed it.
            for outcome in pool.process(self.tasks, idle=idle):
                self._record(outcome)
                index.poll()
            writer.commit()
            index.poll(final=True)
        self.summary.indexed += index.projected

    def _record(self, outcome) -> None:
        task, summary = outcome.task, self.summary
        self.writer.record(outcome)
        for path in self.waiting.pop(task.sha256, None) or ():
            self.writer.set_path(*path)
        summary.extracted += 1
        if task.parent_path is None:
            self._count(self.categories.get(task.rel, "added"), task.rel)
        if outcome.status == FAILED:
            self._failed(task.rel, outcome.reason, outcome.error)
        elif outcome.status == EMPTY:
            summary.empty[outcome.reason] += 1
        elif outcome.status == OK and outcome.reason:
            summary.notes[outcome.reason] += 1
            summary.noted.append({"path": task.rel, "reason": outcome.reason,
                                  "note": outcome.error})
        for child in outcome.children:
            self._child(task, child)
        self.in_flight.pop(task.rel, None)
        self.time_left.finish(task.rel, task.size, outcome.seconds)
        self.reporter.step(task.rel)
        self._show_working()

    def _taken(self, task: Task) -> None:
        """A worker took `task`: the bar names the file worked on longest."""
        self.in_flight[task.rel] = task
        self._show_working()

    def _show_working(self) -> None:
        oldest = next(iter(self.in_flight), None)
        self.reporter.working(oldest, self.time_left.seconds())

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
        if sha256 not in self.waiting:
            self.writer.set_path(*path)
        elif self.waiting[sha256] is None:
            self.waiting[sha256] = [path]
        else:
            self.waiting[sha256].append(path)

    def _count(self, category: str, rel: str) -> None:
        setattr(self.summary, category, getattr(self.summary, category) + 1)
        getattr(self.summary, f"{category}_paths").append(rel)

    def _failed(self, rel: str, reason: str, error: str | None) -> None:
        self.summary.failed[reason] += 1
        self.summary.failures.append({"path": rel, "reason": reason, "error": error})

    def _retry(self, doc_id: str) -> bool:
        return self.retry_failed and _has_failed(self.writer, doc_id)


class _Queue(deque):
    """The task queue; calls `taken` with each task a pool takes from it, so the run knows
    which files are being worked on (the pools only pop from the left). Top-level files
    wait as (FileEntry, sha256) pairs and members as Tasks; a pool only ever sees Tasks."""

    def __init__(self, taken):
        super().__init__()
        self.taken = taken

    def popleft(self) -> Task:
        item = super().popleft()
        task = item if isinstance(item, Task) else _top_level_task(*item)
        self.taken(task)
        return task


def _top_level_task(entry: FileEntry, sha256: str) -> Task:
    return Task(path=entry.path, rel=entry.rel, sha256=sha256, size=entry.size,
                mtime_ns=entry.mtime_ns, root_path=entry.rel)


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


