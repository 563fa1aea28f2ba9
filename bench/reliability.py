"""What the reliability drivers share: running `docket`, watching its processes (peak
memory, orphans), reading a catalog another process may be writing, and paths."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """A free loopback port: bind to 0, then hand it over."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docket_command(*args: str) -> list[str]:
    """The `docket` console script beside this Python, or `python -m cli`."""
    script = Path(sys.executable).parent / "docket"
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-m", "cli", *args]


def docket_env(tmpdir: Path | None = None, home: Path | None = None) -> dict[str, str]:
    """The environment for a docket child: this one, with a private temporary folder (so
    a leak shows) and, when given, a private home."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKET_")}
    env["PYTHONPATH"] = str(ROOT)
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    if home is not None:
        home.mkdir(parents=True, exist_ok=True)
        env["HOME"] = str(home)
    return env


def start(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.Popen:
    """A docket process in a session of its own (so its whole group can be killed)."""
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(docket_command(*args), cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)


class Watch:
    """Polls a process and its descendants: the peak resident memory of any one of them
    and every pid seen (to look for orphans after a kill)."""

    def __init__(self, pid: int, every: float = 0.05):
        self.pid, self.every = pid, every
        self.peak_rss = 0
        self.peak_name = ""
        self.pids: set[int] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [root, *root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for proc in procs:
                try:
                    rss = proc.memory_info().rss
                    self.pids.add(proc.pid)
                    if rss > self.peak_rss:
                        self.peak_rss, self.peak_name = rss, " ".join(proc.cmdline()[:3])
                except psutil.Error:
                    pass
            self._stop.wait(self.every)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def survivors(pids: set[int], since: float) -> list[int]:
    """The pids that still run (and are not zombies) and started before `since`."""
    alive = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE and proc.create_time() <= since:
                alive.append(pid)
        except psutil.Error:
            pass
    return alive


def wait_gone(pids: set[int], since: float, seconds: float = 10.0) -> list[int]:
    """Wait up to `seconds` for every pid to end; returns those that outlived it."""
    deadline = time.monotonic() + seconds
    left = survivors(pids, since)
    while left and time.monotonic() < deadline:
        time.sleep(0.1)
        left = survivors(pids, since)
    return left


def kill_group(proc: subprocess.Popen) -> None:
    """kill -9 the process's group, as a power cut or the OOM killer would. Its pipes are
    closed unread: a surviving worker holding them would make a read wait for ever."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
    for pipe in (proc.stdout, proc.stderr):
        if pipe:
            pipe.close()


def kill_pids(pids: list[int]) -> None:
    """Clean up orphans the driver found (each by its pid), after they were counted."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def read_catalog(var: Path, sql: str, args: tuple = ()) -> list[tuple]:
    """Rows from a catalog another process may be writing ([] while it is absent)."""
    path = var / "catalog.sqlite"
    if not path.exists():
        return []
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []


def tmp_listing(folder: Path = Path("/tmp")) -> set[str]:
    try:
        return set(os.listdir(folder))
    except OSError:
        return set()


def tree_listing(folder: Path) -> dict[str, tuple[int, int]]:
    """(size, mtime_ns) of every file and link below a folder, links not followed."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(os.fsencode(folder)):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            out[os.fsdecode(os.path.relpath(path, os.fsencode(folder)))] = \
                (st.st_size, st.st_mtime_ns)
    return out


def mib(n: int) -> str:
    return f"{n / 2**20:.0f} MiB"


def finish(report: dict, as_json: bool, print_report, holds) -> int:
    """Print a driver's report (JSON or text), then each broken invariant on stderr; the
    exit code: 1 when one is broken."""
    if as_json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print_report(report)
    broken = holds(report)
    for line in broken:
        print(f"FAILED: {line}", file=sys.stderr)
    return 1 if broken else 0
