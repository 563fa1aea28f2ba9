"""Extraction on a Dask distributed cluster: the same interface as the local WorkerPool."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

from distributed import Client, Future, KilledWorker, as_completed
from distributed.client import CancelledError

from indexer.errors import CRASHED, SchedulerError
from indexer.pipeline import (
    IDLE_EVERY,
    Outcome,
    Task,
    WorkerConfig,
    blob_path,
    extract_isolated,
    failure,
    save_blob,
)

# Futures in flight per worker thread: enough to keep every thread busy while results travel
# back, few enough that a collection of millions never floods the scheduler.
IN_FLIGHT_PER_THREAD = 4
# Times one task may be cancelled (the scheduler lost it, or a dead worker held the bytes of
# the archive member it reads) before the run stops and says to rerun.
LOST_RETRIES = 3
WINDOW_EVERY = 5.0  # seconds between two looks at how many worker threads there are
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler before the run gives up

CLIENT_LOG = logging.getLogger("distributed.client")

ExtractFn = Callable[[Task, WorkerConfig, float], Outcome]


def extract_on_worker(task: Task, data: bytes | None, config: WorkerConfig, time_limit: float,
                      extract_fn: ExtractFn = extract_isolated) -> tuple[Outcome, dict[str, bytes]]:
    """What a Dask worker runs per file: the Outcome, and the bytes of the children it found.

    Workers never touch var/: a member of an archive or e-mail arrives as `data` (the writer
    keeps it under var/blobs) and is extracted from a scratch copy, and the children it
    unpacks travel back with the Outcome for the writer to keep.
    """
    scratch = Path(tempfile.gettempdir()) / f"docket-{os.getpid()}-{threading.get_ident()}"
    local = replace(config, blob_dir=scratch / "blobs")  # the same per thread: a warm child
    source = task
    try:
        if data is not None:
            source = replace(task, path=scratch / "in" / task.path.name)
            source.path.parent.mkdir(parents=True, exist_ok=True)
            source.path.write_bytes(data)
        outcome = extract_fn(source, local, time_limit)
        blobs = {c.sha256: blob_path(local.blob_dir, c.sha256).read_bytes()
                 for c in outcome.children}
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outcome.task = task
    return outcome, blobs


class DaskPool:
    """Sends each task to a Dask cluster and yields its Outcome as it completes.

    Each task runs `extract_fn` (by default `extract_isolated`: a child process with the time
    and memory limits) on a worker; the scheduler retries the tasks of a worker that dies, and
    a task that kills every worker it touches becomes a CRASHED failure. Finished futures are
    released as soon as they are yielded: a result the client still held would be recomputed
    by the scheduler each time the worker keeping it died.
    """

    def __init__(self, address: str, config: WorkerConfig, time_limit: float,
                 extract_fn: ExtractFn = extract_isolated):
        self.address, self.config, self.time_limit = address, config, time_limit
        self.extract_fn = extract_fn
        self.client: Client | None = None
        self._size, self._window_at = IN_FLIGHT_PER_THREAD, 0.0

    def __enter__(self) -> DaskPool:
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
            # The client logs a traceback when the scheduler goes away; the run says it in
            # one line (SchedulerError) instead.
            self._log_level = CLIENT_LOG.level
            CLIENT_LOG.setLevel(logging.CRITICAL)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(
                f"Cannot reach the Dask scheduler at {self.address} ({type(exc).__name__}). "
                f"Start it with `dask scheduler` and workers with `dask worker {self.address}`, "
                f"or drop --scheduler (DOCKET_SCHEDULER) to extract on this machine.") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            # Futures not yet done are cancelled when the client closes; a rerun resumes.
            self.client.close()
            self.client = None
            CLIENT_LOG.setLevel(self._log_level)

    def _window(self) -> int:
        # Asking the scheduler costs a round trip: ask again only every few seconds.
        now = time.monotonic()
        if now >= self._window_at:
            threads = sum(self.client.nthreads().values())
            self._size = IN_FLIGHT_PER_THREAD * max(1, threads)
            self._window_at = now + WINDOW_EVERY
        return self._size

    def process(self, pending: deque[Task], idle: Callable[[], object] | None = None,
                idle_every: float = IDLE_EVERY) -> Iterator[Outcome]:
        """Yield one Outcome per task; the caller may append to `pending` while iterating.
        `idle` is called every `idle_every` seconds while no result is ready.

        Raises SchedulerError when the scheduler is lost mid-run (what was committed stays;
        rerun the command to resume).
        """
        try:
            yield from self._stream(pending, idle, idle_every)
        except OSError as exc:  # distributed's CommClosedError and friends
            raise self._lost() from exc

    def _lost(self) -> SchedulerError:
        return SchedulerError(f"Lost the Dask scheduler at {self.address} mid-run; what was "
                              f"committed is kept, run the same command again to resume.")

    def _stream(self, pending: deque[Task], idle, idle_every: float) -> Iterator[Outcome]:
        # Results are fetched in the background as tasks finish, not one round trip each.
        running = as_completed(loop=self.client.loop, with_results=True, raise_errors=False)
        tasks: dict[str, tuple[Task, Future | None]] = {}
        window = self._window()
        lost: Counter = Counter()
        while True:
            while pending and running.count() < window:
                task = pending.popleft()
                data = self._data(task)
                future = self.client.submit(extract_on_worker, task, data, self.config,
                                            self.time_limit, self.extract_fn, pure=False)
                tasks[future.key] = task, data
                running.add(future)
            if running.is_empty():
                return
            while idle is not None and not _wait_ready(running, idle_every):
                idle()
            future, result = next(running)
            task, data = tasks.pop(future.key)
            outcome = self._outcome(future, result, task)
            future.release()  # let go of the result: the writer has it now
            del future, result
            if data is not None:
                data.release()
            if outcome is None:  # cancelled: its member's bytes died with a worker
                lost[task.sha256] += 1
                if lost[task.sha256] > LOST_RETRIES or self.client.status != "running":
                    raise self._lost()
                pending.appendleft(task)
                continue
            yield outcome
            window = self._window()  # workers come and go

    def _data(self, task: Task) -> Future | None:
        # A member's bytes live in the writer's var/blobs: ship them, workers have no var/.
        if not task.path.is_relative_to(self.config.blob_dir):
            return None
        try:
            data = task.path.read_bytes()
        except OSError:
            return None  # the worker then records the file as unreadable
        return self.client.scatter(data, hash=False)

    def _outcome(self, future: Future, result, task: Task) -> Outcome | None:
        """The task's Outcome, with its children's bytes kept in var/blobs; None if cancelled."""
        if future.status == "cancelled" or isinstance(result, CancelledError):
            return None
        if future.status == "error":
            exc = result[1]  # as_completed gives an error as (type, exception, traceback)
            if isinstance(exc, KilledWorker):
                tries = getattr(exc, "allowed_failures", 0) + 1
                return failure(task, CRASHED, f"{task.rel}: the file killed every Dask worker "
                               f"that tried it ({tries} tries); the file is likely malformed.")
            if self.client.status != "running":
                raise self._lost() from exc  # not the file's fault: rerun
            # a bug on one file must not stop the run
            return failure(task, CRASHED, f"{task.rel}: extraction failed on the cluster with "
                           f"{type(exc).__name__}: {exc}; please report this file.")
        outcome, blobs = result
        for data in blobs.values():
            save_blob(self.config.blob_dir, data)
        return outcome


def _wait_ready(running: as_completed, seconds: float) -> bool:
    """Whether a result is ready, waiting up to `seconds` for one (as_completed notifies its
    thread condition, under that lock, as each result arrives)."""
    with running.thread_condition:
        if not running.has_ready():
            running.thread_condition.wait(timeout=seconds)
        return running.has_ready()
