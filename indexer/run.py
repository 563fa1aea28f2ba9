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
from indexer.crawl import FileEntry, crawl, sha256_file
from indexer.errors import EMPTY, FAILED, UNREADABLE
from indexer.extracted import ExtractOptions
from indexer.pipeline import Task, WorkerConfig, WorkerPool, blob_path
from indexer.write import CatalogWriter

# Documents extracted between two index syncs in a long run. Each sync stalls extraction
# and merges segments, so they are rare; the catalog holds everything in between.
INDEX_EVERY = 10_000


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
    entries = list(crawl(root, skip=(settings.var,)))
    known = writer.known_paths()
    seen = {e.rel for e in entries}
    changed: list[FileEntry] = []
    for entry in entries:
        old = known.get(entry.rel)
        same = old and old.size == entry.size and old.mtime_ns == entry.mtime_ns
        if same and not (retry_failed and _has_failed(writer, old.doc_id)):
            summary.unchanged += 1
        else:
            changed.append(entry)
    removed = sorted(p for p in known if p not in seen)

    reporter.phase("hashing", len(changed))
    hashed: list[tuple[FileEntry, str]] = []
    with ThreadPoolExecutor(max_workers=4) as pool:
        for entry, sha, error in pool.map(_hash, changed):
            reporter.step(entry.rel)
            if sha is None:
                summary.failed[UNREADABLE] += 1
                summary.failures.append({"path": entry.rel, "reason": UNREADABLE, "error": error})
            else:
                hashed.append((entry, sha))

    # A removed path whose content shows up at a new path is a move, not a removal.
    removed_by_doc: dict[str, list[str]] = {}
    for rel in removed:
        removed_by_doc.setdefault(known[rel].doc_id, []).append(rel)
    tasks: deque[Task] = deque()
    categories: dict[str, str] = {}
    for entry, sha in hashed:
        doc_id = doc_id_for(sha)
        old = known.get(entry.rel)
        if old and old.doc_id == doc_id and not (retry_failed and _has_failed(writer, doc_id)):
            writer.touch_path(entry.rel, entry.size, entry.mtime_ns)
            summary.unchanged += 1
            continue
        state = writer.document_state(doc_id)
        if state and removed_by_doc.get(doc_id) and not old:
            writer.move_path(removed_by_doc[doc_id].pop(), entry.rel, entry.size, entry.mtime_ns)
            summary.moved += 1
        elif state and not (retry_failed and _has_failed(writer, doc_id)):
            writer.set_path(entry.rel, doc_id, entry.size, entry.mtime_ns)
            if old:
                summary.updated += 1
            else:
                summary.added += 1
        else:
            categories[entry.rel] = "updated" if old else "added"
            tasks.append(Task(path=entry.path, rel=entry.rel, sha256=sha, size=entry.size,
                              mtime_ns=entry.mtime_ns, root_path=entry.rel))
    for rel in removed:
        if rel in removed_by_doc.get(known[rel].doc_id, []):
            writer.remove_path(rel)
            summary.removed += 1
    writer.commit()

    tasks.extend(_child_task(settings, row) for row in writer.pending_children())
    if not tasks:
        return
    config = WorkerConfig(options=extract_options(settings), blob_dir=settings.blob_dir,
                          max_depth=settings.max_depth,
                          max_file_bytes=settings.max_file_mb * 2**20,
                          memory_limit_bytes=settings.memory_limit_mb * 2**20)
    reporter.phase("extracting", len(tasks))
    since_sync = 0
    with WorkerPool(settings.worker_count, config, settings.time_limit) as pool:
        for outcome in pool.process(tasks):
            task = outcome.task
            writer.record(outcome)
            summary.extracted += 1
            if task.parent_path is None:
                category = categories.get(task.rel, "added")
                setattr(summary, category, getattr(summary, category) + 1)
            if outcome.status == FAILED:
                summary.failed[outcome.reason] += 1
                summary.failures.append({"path": task.rel, "reason": outcome.reason,
                                         "error": outcome.error})
            elif outcome.status == EMPTY:
                summary.empty[outcome.reason] += 1
            for child in outcome.children:
                child_rel = f"{task.rel}!/{child.name}"
                if writer.document_state(doc_id_for(child.sha256)):
                    writer.set_path(child_rel, doc_id_for(child.sha256), child.size, 0,
                                    task.rel, task.root_path)
                else:
                    tasks.append(Task(
                        path=blob_path(settings.blob_dir, child.sha256), rel=child_rel,
                        sha256=child.sha256, size=child.size, mtime_ns=0,
                        root_path=task.root_path, parent_id=doc_id_for(task.sha256),
                        parent_path=task.rel, depth=task.depth + 1))
                    reporter.more(1)
            reporter.step(task.rel)
            if writer.should_commit():
                writer.commit()
            since_sync += 1
            if since_sync >= INDEX_EVERY:
                writer.sync_index()
                since_sync = 0


def _has_failed(writer: CatalogWriter, doc_id: str) -> bool:
    state = writer.document_state(doc_id)
    return bool(state and state[1] in (FAILED, EMPTY))  # OCR may find text on a second try


def _child_task(settings: Settings, row) -> Task:
    path = blob_path(settings.blob_dir, row["sha256"])
    return Task(path=path, rel=row["path"], sha256=row["sha256"], size=row["size"], mtime_ns=0,
                root_path=row["root_path"], parent_id=row["parent_id"],
                parent_path=row["parent_path"], depth=row["depth"])


