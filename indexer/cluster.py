"""Extraction on a Dask distributed cluster: the same interface as the local WorkerPool."""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator

from distributed import Client, Future, KilledWorker, as_completed
from distributed.client import CancelledError

from indexer.errors import CRASHED, SchedulerError
from indexer.pipeline import Outcome, Task, WorkerConfig, extract_isolated, failure

# Futures in flight per worker thread: enough to keep every thread busy while results travel
# back, few enough that a collection of millions never floods the scheduler.
IN_FLIGHT_PER_THREAD = 4
CONNECT_TIMEOUT = 10  # seconds to reach the scheduler before the run gives up

ExtractFn = Callable[[Task, WorkerConfig, float], Outcome]


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

    def __enter__(self) -> DaskPool:
        try:
            self.client = Client(self.address, timeout=CONNECT_TIMEOUT, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SchedulerError(
                f"Cannot reach the Dask scheduler at {self.address} ({type(exc).__name__}). "
                f"Start it with `dask scheduler` and workers with `dask worker {self.address}`, "
                f"or drop --scheduler (DOCKET_SCHEDULER) to extract on this machine.") from exc
        return self

    def __exit__(self, *exc) -> None:
        if self.client is not None:
            # Futures not yet done are cancelled when the client closes; a rerun resumes.
            logging.getLogger("distributed").setLevel(logging.ERROR)
            self.client.close()
            self.client = None

    def _window(self) -> int:
        threads = sum(self.client.nthreads().values())
        return IN_FLIGHT_PER_THREAD * max(1, threads)

    def process(self, pending: deque[Task]) -> Iterator[Outcome]:
        """Yield one Outcome per task; the caller may append to `pending` while iterating.

        Raises SchedulerError when the connection to the scheduler is lost mid-run (what was
        committed stays; rerun the command to resume).
        """
        running = as_completed(loop=self.client.loop)
        tasks: dict[str, Task] = {}
        window = self._window()
        while True:
            while pending and running.count() < window:
                task = pending.popleft()
                future = self.client.submit(self.extract_fn, task, self.config,
                                            self.time_limit, pure=False)
                tasks[future.key] = task
                running.add(future)
            if running.is_empty():
                return
            future = next(running)
            outcome = self._outcome(future, tasks.pop(future.key))
            future.release()  # let go of the result: the writer has it now
            del future
            yield outcome
            window = self._window()  # workers come and go

    def _outcome(self, future: Future, task: Task) -> Outcome:
        try:
            return future.result()
        except KilledWorker as exc:
            return failure(task, CRASHED, f"{task.rel}: the file killed every Dask worker that "
                           f"tried it ({exc}); the file is likely malformed.")
        except CancelledError as exc:
            raise SchedulerError(f"Lost the Dask scheduler at {self.address} mid-run; what was "
                                 f"committed is kept, run the same command again to resume."
                                 ) from exc
        except Exception as exc:  # noqa: BLE001 - a bug on one file must not stop the run
            return failure(task, CRASHED, f"{task.rel}: extraction failed on the cluster with "
                           f"{type(exc).__name__}: {exc}; please report this file.")
