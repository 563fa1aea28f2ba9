"""Extraction on a real Dask cluster: same catalog as a local run, dying workers, poison files."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import zipfile
from collections import deque
from pathlib import Path

import pytest

from archive.config import Settings
from indexer.errors import CRASHED, OK, TIMED_OUT
from indexer.extracted import ExtractOptions
from indexer.pipeline import Task, WorkerConfig, extract_isolated
from indexer.run import index_collection
from tests.conftest import ROOT, SAMPLE
from tests.test_resilience import catalog_count, docket, make_collection

pytestmark = pytest.mark.slow
DASK = Path(sys.executable).with_name("dask")
POISON = "poison.txt"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([str(DASK), *args], cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _stop(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(30)


class Cluster:
    """A scheduler and two one-thread workers (with nannies) on 127.0.0.1."""

    def __init__(self):
        self.address = f"tcp://127.0.0.1:{_free_port()}"
        # One task per worker thread (no queue on the worker), so only the task that kills a
        # worker is blamed for it; one retry keeps the poison test short.
        self.env = dict(os.environ, PYTHONPATH=str(ROOT),
                        DASK_DISTRIBUTED__SCHEDULER__WORKER_SATURATION="1.0",
                        DASK_DISTRIBUTED__SCHEDULER__ALLOWED_FAILURES="1")
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = _start("scheduler", "--host", "127.0.0.1", "--port", port,
                                "--no-dashboard", env=self.env)
        self.workers = [_start("worker", self.address, "--nthreads", "1", "--memory-limit", "0",
                               "--no-dashboard", env=self.env) for _ in range(2)]

    def wait(self) -> None:
        from distributed import Client

        deadline = time.monotonic() + 60
        while True:  # the scheduler may not listen yet
            try:
                client = Client(self.address, timeout=5, set_as_default=False)
                break
            except OSError:
                assert time.monotonic() < deadline, "the Dask scheduler never started"
        try:
            client.wait_for_workers(2, timeout=60)
        finally:
            client.close()

    def stop(self) -> None:
        for proc in [*self.workers, self.scheduler]:
            _stop(proc)


@pytest.fixture
def cluster():
    cluster = Cluster()
    try:
        cluster.wait()
        yield cluster
    finally:
        cluster.stop()


def _rows(var: Path) -> dict:
    conn = sqlite3.connect(var / "catalog.sqlite")
    try:
        return {
            "documents": sorted(conn.execute(
                "SELECT doc_id, mime, kind, title, author, created, modified, page_count, "
                "languages, metadata, status, reason, error, parent_id FROM documents")),
            "pages": sorted(conn.execute("SELECT doc_id, n, text, languages FROM pages")),
            "paths": sorted(conn.execute("SELECT path, doc_id FROM paths")),
        }
    finally:
        conn.close()


def test_cluster_run_writes_the_same_catalog_as_a_local_run(tmp_path, cluster):
    folder = tmp_path / "release"
    shutil.copytree(SAMPLE, folder)
    common = dict(ocr=False, embeddings=False, time_limit=120)
    local = index_collection(Settings(var=tmp_path / "local", jobs=2, **common), folder)
    remote = index_collection(Settings(var=tmp_path / "dask", scheduler=cluster.address,
                                       **common), folder)
    assert remote.extracted == local.extracted > 0
    assert remote.failed == local.failed
    assert remote.empty == local.empty
    assert sorted(map(str, remote.failures)) == sorted(map(str, local.failures))
    assert _rows(tmp_path / "dask") == _rows(tmp_path / "local")


def test_worker_killed_mid_run_loses_and_doubles_nothing(tmp_path, cluster):
    folder, var = tmp_path / "c", tmp_path / "var"
    make_collection(folder, 800)
    for i in range(30):  # members travel to the workers as scattered bytes, which die too
        with zipfile.ZipFile(folder / f"box-{i % 10:02d}" / f"pack-{i:02d}.zip", "w") as z:
            for j in range(2):
                z.writestr(f"note-{j}.txt", f"member {j} of pack {i}, a letter\n")
    total = 800 + 30 + 60
    args = ("index", str(folder), "--var", str(var), "-q", "--no-ocr", "--no-embeddings",
            "--scheduler", cluster.address)
    proc = docket(*args)
    deadline = time.monotonic() + 300
    while catalog_count(var) < 100 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run never committed anything"
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before a worker was killed; grow it"
    _stop(cluster.workers[0])  # the worker, its nanny and its extraction child
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err.decode()
    assert catalog_count(var) == total
    assert catalog_count(var, "SELECT COUNT(*) FROM paths") == total
    assert catalog_count(var, "SELECT COUNT(DISTINCT doc_id) FROM paths") == total
    assert catalog_count(var, f"SELECT COUNT(*) FROM documents WHERE status = '{OK}'") == total
    rerun = docket(*args, "--json")
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    assert b'"extracted": 0' in out


def _deadly(task: Task, config: WorkerConfig, time_limit: float):
    """extract_isolated, except that one file kills the Dask worker running it."""
    if task.rel == POISON:
        os._exit(1)
    return extract_isolated(task, config, time_limit)


def _task(path: Path) -> Task:
    data = path.read_bytes()
    return Task(path=path, rel=path.name, sha256=hashlib.sha256(data).hexdigest(),
                size=len(data), mtime_ns=0, root_path=path.name)


def _config(tmp_path: Path) -> WorkerConfig:
    return WorkerConfig(options=ExtractOptions(ocr=False), blob_dir=tmp_path / "blobs",
                        max_depth=5, max_file_bytes=2**30, memory_limit_bytes=2**31)


def test_file_that_kills_every_worker_is_recorded_as_crashed(tmp_path, cluster):
    from indexer.cluster import DaskPool

    tasks = []
    for name in ["a.txt", POISON, "b.txt", "c.txt"]:
        (tmp_path / name).write_text(f"the letter {name}\n", encoding="utf-8")
        tasks.append(_task(tmp_path / name))
    with DaskPool(cluster.address, _config(tmp_path), 60, extract_fn=_deadly) as pool:
        outcomes = {o.task.rel: o for o in pool.process(deque(tasks))}
    assert sorted(outcomes) == sorted(t.rel for t in tasks)
    assert outcomes[POISON].reason == CRASHED
    assert "killed every Dask worker" in outcomes[POISON].error
    assert {o.status for rel, o in outcomes.items() if rel != POISON} == {OK}


def test_extract_isolated_stops_a_file_at_its_deadline_and_recovers(tmp_path):
    (tmp_path / "a.txt").write_text("the letter\n", encoding="utf-8")
    task, config, outcomes = _task(tmp_path / "a.txt"), _config(tmp_path), []

    def run():  # a thread of its own: a fresh child, which cannot start within 10 ms
        outcomes.append(extract_isolated(task, config, 0.01))
        outcomes.append(extract_isolated(task, config, 120))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(180)
    assert [o.reason for o in outcomes] == [TIMED_OUT, None]
    assert outcomes[1].status == OK and outcomes[1].pages == ["the letter"]


def test_unreachable_scheduler_fails_in_one_line(tmp_path):
    folder = tmp_path / "c"
    make_collection(folder, 3)
    proc = docket("index", str(folder), "--var", str(tmp_path / "var"), "-q", "--no-ocr",
                  "--scheduler", "tcp://127.0.0.1:1")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 1, err.decode()
    lines = err.decode().strip().splitlines()
    assert len(lines) == 1, err.decode()
    assert "Cannot reach the Dask scheduler at tcp://127.0.0.1:1" in lines[0]
    assert "dask scheduler" in lines[0]
