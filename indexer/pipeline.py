"""Running the stages for each file in killable worker processes, with time and memory limits."""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import resource
import shutil
import signal
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

from archive.xref.listing import DocNames
from indexer import enrich
from indexer.detect import detect_mime, is_hint_only, reads_as_text
from indexer.errors import (
    CRASHED,
    EMPTY,
    EMPTY_FILE,
    ENCRYPTED,
    FAILED,
    NO_TEXT,
    NOT_UNPACKED,
    OK,
    OUT_OF_MEMORY,
    TIMED_OUT,
    TOO_LARGE,
    UNREADABLE,
    IndexingError,
    UnsupportedTypeError,
)
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors import extractor_for, kind_of
from indexer.languages import LanguageClient, LanguageProcess, LanguageProcessError
from indexer.processes import die_with_parent, name_process, use_temp_dir, worker_temp_dir
from indexer.unlock import DECRYPTED, decrypted_copy

EXTRACTOR_VERSION = "1"
IDLE_EVERY = 0.5  # seconds between the pool's idle calls while it waits for a result
TEXT_MIME = "text/plain"


@dataclass(frozen=True, slots=True)
class Task:
    """One file to extract: where its bytes are and where it sits in the collection."""

    path: Path  # the bytes: a collection file or a blob under var/blobs
    rel: str  # the catalog path: "letters/a.pdf" or "mail/x.eml!/report.pdf"
    sha256: str
    size: int
    mtime_ns: int
    root_path: str  # the top-level collection file this came from
    parent_id: str | None = None
    parent_path: str | None = None
    depth: int = 0


@dataclass(frozen=True, slots=True)
class ChildRef:
    """A child file the worker saved as a blob: its name inside the container and its hash."""

    name: str
    sha256: str
    size: int


@dataclass
class Outcome:
    """The result of one task: the extracted document, or its failure with a reason."""

    task: Task
    status: str  # OK, EMPTY (nothing to read: reason EMPTY_FILE or NO_TEXT) or FAILED
    mime: str
    kind: str
    reason: str | None = None
    error: str | None = None
    title: str | None = None
    author: str | None = None
    created: str | None = None
    modified: str | None = None
    pages: list[str] = field(default_factory=list)
    page_languages: list[tuple[str, ...]] = field(default_factory=list)
    languages: tuple[str, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)
    children: list[ChildRef] = field(default_factory=list)
    seconds: float = 0.0
    names: DocNames | None = None  # listed by the worker; None: the writer lists them


def mime_of(path: Path) -> str:
    """The detected MIME type, or application/octet-stream when the file cannot be read."""
    try:
        return detect_mime(path)
    except OSError:
        return "application/octet-stream"


def _is_text(path: Path) -> bool:
    try:
        return reads_as_text(path)
    except OSError:
        return False


def read(path: Path, mime: str, options: ExtractOptions) -> tuple[Extracted, str]:
    """Extract a file of detected type `mime`; returns what was read and the type it was read as.

    libmagic's type is a hint when it says code, data or unknown (is_hint_only), or when no
    extractor takes the file: bytes that read as text are then extracted as text/plain, with
    libmagic's type kept as metadata["detected_mime"]. An encrypted PDF or Office file that
    one of `options.passwords` opens is read from a decrypted copy. Raises what the
    extractor raises.
    """
    try:
        return _read(path, mime, options)
    except IndexingError as exc:
        if exc.reason != ENCRYPTED or not options.passwords:
            raise
        with decrypted_copy(path, mime, options.passwords) as copy:
            if copy is None:
                raise
            extracted, read_as = _read(copy, detect_mime(copy), replace(options, passwords=()))
    extracted.metadata["decrypted"] = DECRYPTED
    return extracted, read_as


def _read(path: Path, mime: str, options: ExtractOptions) -> tuple[Extracted, str]:
    if is_hint_only(mime) and _is_text(path):
        extracted = extractor_for(TEXT_MIME, path)(path, options)
    else:
        try:
            return extractor_for(mime, path)(path, options), mime
        except UnsupportedTypeError:
            if not _is_text(path):
                raise
            extracted = extractor_for(TEXT_MIME, path)(path, options)
    extracted.metadata["detected_mime"] = mime
    return extracted, TEXT_MIME


def failure(task: Task, reason: str, error: str, seconds: float = 0.0,
            mime: str | None = None) -> Outcome:
    """An Outcome recording that `task` failed for `reason`."""
    mime = mime or mime_of(task.path)
    return Outcome(task=task, status=FAILED, mime=mime, kind=kind_of(mime), reason=reason,
                   error=error, seconds=seconds)


def blob_path(blob_dir: Path, sha256: str) -> Path:
    """Where the bytes of a child document with this hash are kept."""
    return blob_dir / sha256[:2] / sha256


def save_blob(blob_dir: Path, data: bytes) -> str:
    """Keep the bytes of a child document under `blob_dir` (atomically); returns their hash."""
    sha = hashlib.sha256(data).hexdigest()
    target = blob_path(blob_dir, sha)
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{sha}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    return sha


def clean_text(text: str) -> str:
    """Text safe to store: surrogate pairs joined, lone surrogates and NULs replaced."""
    if text.isascii():
        return text.replace("\x00", "")
    text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text.replace("\x00", "")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return clean_text(str(value))


def extract_task(task: Task, options: ExtractOptions, blob_dir: Path, max_depth: int,
                 max_file_bytes: int, ask: Callable = enrich.answer_here) -> Outcome:
    """Detect, extract and enrich one file. Indexing errors become a failed Outcome.
    `ask` answers the language detector's questions (enrich.tag_languages)."""
    started = time.monotonic()
    mime = mime_of(task.path)
    if task.size == 0:
        # Nothing to read rather than a failure: no reader could do better with 0 bytes.
        return Outcome(task=task, status=EMPTY, mime=mime, kind=kind_of(mime), reason=EMPTY_FILE,
                       error=f"{task.rel}: the file is empty (0 bytes).")
    if task.size > max_file_bytes:
        return failure(task, TOO_LARGE, f"{task.rel}: {task.size // 2**20} MiB is over the "
                       f"limit of {max_file_bytes // 2**20} MiB (--max-file-mb).", mime=mime)
    try:
        extracted, mime = read(task.path, mime, options)
    except IndexingError as exc:
        message = str(exc)  # extractors name the file; the catalog path says more
        if message.startswith(task.path.name + ":"):
            message = task.rel + message[len(task.path.name):]
        elif not message.startswith(task.rel):
            message = f"{task.rel}: {message}"
        return failure(task, exc.reason, message, time.monotonic() - started, mime)
    except MemoryError:
        return failure(task, OUT_OF_MEMORY, f"{task.rel}: extraction ran out of memory (limit "
                       f"--memory-limit-mb).", time.monotonic() - started, mime)
    except RecursionError:
        return failure(task, UNREADABLE, f"{task.rel}: the file nests too deeply to read.",
                       time.monotonic() - started, mime)
    except OSError as exc:
        return failure(task, UNREADABLE, f"{task.rel}: cannot read the file: {exc}",
                       time.monotonic() - started, mime)
    children, note = [], None
    if extracted.children:
        if task.depth >= max_depth:
            extracted.metadata["children_skipped"] = (
                f"{len(extracted.children)} members not unpacked: nesting deeper than "
                f"{max_depth} (--max-depth)")
            note = (f"{task.rel}: its {len(extracted.children)} members lie beyond depth "
                    f"{max_depth} and were not unpacked (raise --max-depth to unpack them).")
        else:
            children = [ChildRef(clean_text(c.name), save_blob(blob_dir, c.data), len(c.data))
                        for c in extracted.children]
    pages = [clean_text(p).strip("\n") for p in extracted.pages]
    if extracted.expects_text:
        languages, page_languages = enrich.tag_languages(pages, ask)
    else:  # member lists and media tags: too little prose to tell a language from, but a
        # recording may declare its language in its tags (ISO 639-2, as ID3 TLAN has it)
        languages = enrich.declared_languages(extracted.metadata)
        page_languages = [languages for _ in pages]
    has_text = any(p.strip() for p in pages)
    status, reason, error = OK, note and NOT_UNPACKED, note
    if extracted.expects_text and not has_text:
        status, reason = EMPTY, NO_TEXT
        scanned = kind_of(mime) in ("pdf", "image")
        error = f"{task.rel}: no text found" + (
            (" (no text layer, and OCR is off: --ocr)" if not options.ocr else
             " (OCR found none)") if scanned else "") + "."
    title = clean_text(str(extracted.title or "")).strip() or None
    return Outcome(
        task=task, status=status, mime=mime, kind=kind_of(mime), reason=reason, error=error,
        title=title, author=clean_text(str(extracted.author or "")).strip() or None,
        created=enrich.normalise_date(extracted.created),
        modified=enrich.normalise_date(extracted.modified),
        pages=pages, page_languages=page_languages, languages=languages,
        metadata=_clean(extracted.metadata), children=children,
        names=enrich.list_names(title, pages), seconds=round(time.monotonic() - started, 3))


@dataclass(frozen=True)
class WorkerConfig:
    """Everything a worker process needs, picklable for the spawn start method."""

    options: ExtractOptions
    blob_dir: Path
    max_depth: int
    max_file_bytes: int
    memory_limit_bytes: int
    temp_dir: Path | None = None  # the pool's: removed with it, whatever a killed worker left
    languages: tuple[str, bytes] | None = None  # the run's language process: socket, key


def _worker_main(conn: Connection, config: WorkerConfig, parent: int | None = None) -> None:
    # Ctrl-C goes to the whole process group; the parent decides what stops. A group of
    # our own lets the parent kill the worker together with its Tesseract or antiword.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.setpgrp()
    die_with_parent(parent)  # a kill -9 of the run takes the worker with it
    name_process("docket: extract")
    if config.temp_dir is not None:
        use_temp_dir(config.temp_dir)
    os.environ["OMP_THREAD_LIMIT"] = "1"  # Tesseract: one core per worker, we run many workers
    if config.memory_limit_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS,
                           (config.memory_limit_bytes, config.memory_limit_bytes))
    ask = LanguageClient(*config.languages) if config.languages else enrich.answer_here
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            outcome = extract_task(task, config.options, config.blob_dir, config.max_depth,
                                   config.max_file_bytes, ask)
        except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the run
            where = traceback.extract_tb(exc.__traceback__)[-1]
            outcome = failure(task, CRASHED, f"{task.rel}: the extractor failed with "
                              f"{type(exc).__name__}: {exc} (at {Path(where.filename).name}:"
                              f"{where.lineno}); please report this file.")
        conn.send(outcome)


def _crashed(task: Task, code: int | None, seconds: float) -> Outcome:
    # Killed by the kernel under RLIMIT_AS pressure shows as SIGKILL; anything else crashed.
    reason = OUT_OF_MEMORY if code == -signal.SIGKILL else CRASHED
    return failure(task, reason, f"{task.rel}: the extractor crashed (exit code {code}); "
                   f"the file is likely malformed.", seconds)


def _timed_out(task: Task, time_limit: float, seconds: float) -> Outcome:
    return failure(task, TIMED_OUT, f"{task.rel}: extraction took longer than {time_limit:g} s "
                   f"and was stopped (--time-limit).", seconds)


class _Worker:
    def __init__(self, ctx, config: WorkerConfig):
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker_main, args=(child, config, os.getpid()),
                                   daemon=True)
        self.process.start()
        child.close()
        self.config = config
        self.task: Task | None = None
        self.deadline = 0.0
        self.started = 0.0

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """N extraction processes; a file that hangs or crashes its worker costs only that file."""

    def __init__(self, size: int, config: WorkerConfig, time_limit: float):
        self.size = max(1, size)
        self.config = config
        self.time_limit = time_limit
        self._ctx = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []

    def __enter__(self) -> WorkerPool:
        self._temp = worker_temp_dir()
        # One language process for all workers: lingua's models loaded once, not per worker.
        self._languages = LanguageProcess(self._temp)
        try:
            self._languages.start()
        except LanguageProcessError:  # the workers answer with models of their own
            pass
        self.config = replace(self.config, temp_dir=self._temp,
                              languages=(self._languages.address, self._languages.authkey))
        self._workers = [_Worker(self._ctx, self.config) for _ in range(self.size)]
        return self

    def __exit__(self, *exc) -> None:
        for w in self._workers:
            try:
                if w.task is None:
                    w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in self._workers:
            w.process.join(0.5 if w.task is None else 0)
            if w.process.is_alive():
                w.kill()
        self._workers = []
        self._languages.stop()
        shutil.rmtree(self._temp, ignore_errors=True)

    def process(self, pending: deque[Task], idle: Callable[[], object] | None = None,
                idle_every: float = IDLE_EVERY) -> Iterator[Outcome]:
        """Yield one Outcome per task; the caller may append to `pending` while iterating.
        `idle` is called every `idle_every` seconds while no worker has a result (the writer
        commits its batch then)."""
        while True:
            self._languages.ensure()
            for i, w in enumerate(self._workers):
                if w.task is None and pending:
                    task = pending.popleft()
                    try:
                        w.conn.send(task)
                    except (OSError, ValueError):
                        self._workers[i] = w = self._replace(w)
                        w.conn.send(task)
                    w.task, w.started = task, time.monotonic()
                    w.deadline = w.started + self.time_limit
            busy = [w for w in self._workers if w.task is not None]
            if not busy:
                return
            timeout = max(0.0, min(w.deadline for w in busy) - time.monotonic())
            if idle is not None:
                timeout = min(timeout, idle_every)
            ready = wait([w.conn for w in busy], timeout=timeout)
            if not ready and idle is not None:
                idle()
            now = time.monotonic()
            for i, w in enumerate(self._workers):
                if w.task is None:
                    continue
                task = w.task
                if w.conn in ready:
                    try:
                        outcome = w.conn.recv()
                    except (EOFError, OSError):
                        w.process.join(1)
                        outcome = _crashed(task, w.process.exitcode, now - w.started)
                        self._workers[i] = self._replace(w)
                    else:
                        w.task = None
                    yield outcome
                elif now >= w.deadline:
                    self._workers[i] = self._replace(w)
                    yield _timed_out(task, self.time_limit, now - w.started)

    def _replace(self, worker: _Worker) -> _Worker:
        worker.kill()
        return _Worker(self._ctx, self.config)


_isolated = threading.local()  # one extraction process per calling thread, kept between files


def _start_worker(config: WorkerConfig) -> _Worker:
    # A Dask worker under its nanny is a daemonic process, which multiprocessing forbids to
    # have children. Ours die with their parent anyway (die_with_parent), so lift the flag
    # while the child starts.
    current = multiprocessing.current_process()
    daemon = current._config.get("daemon")
    current._config["daemon"] = False
    try:
        return _Worker(multiprocessing.get_context("spawn"), config)
    finally:
        if daemon is not None:
            current._config["daemon"] = daemon


def extract_isolated(task: Task, config: WorkerConfig, time_limit: float) -> Outcome:
    """Extract one file in a killable child process, with the limits of the local pool.

    The child has the address-space limit of `config` and `time_limit` seconds; on timeout its
    process group is killed (TIMED_OUT), a child that dies is CRASHED or OUT_OF_MEMORY. The
    child is kept for the next call on the same thread, as the local pool keeps its workers.
    This is what a Dask worker runs per file: Dask itself has no per-task time limit.
    """
    worker = getattr(_isolated, "worker", None)
    if worker is None or worker.config != config or not worker.process.is_alive():
        if worker is not None:
            worker.kill()
        worker = _isolated.worker = _start_worker(config)
    started = time.monotonic()
    try:
        worker.conn.send(task)
        if worker.conn.poll(time_limit):
            return worker.conn.recv()
    except (EOFError, OSError):
        worker.process.join(1)
        outcome = _crashed(task, worker.process.exitcode, time.monotonic() - started)
    else:
        outcome = _timed_out(task, time_limit, time.monotonic() - started)
    worker.kill()
    _isolated.worker = None
    return outcome
