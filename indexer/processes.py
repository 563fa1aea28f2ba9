"""Worker processes that end with the process that started them, however it ends."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import tempfile
from pathlib import Path

PR_SET_PDEATHSIG = 1  # linux/prctl.h


def name_process(title: str) -> None:
    """Show this process as `title` in ps and top ("docket: extract"), so that an operator
    can tell the run, its workers and its projector apart. Without setproctitle (an old
    environment not yet set up again) the name stays the interpreter's."""
    try:
        from setproctitle import setproctitle
    except ImportError:
        return
    setproctitle(title)


def die_with_parent(parent: int | None = None) -> None:
    """Ask the kernel to kill this process when its parent dies (Linux): a `kill -9` of an
    indexing run then takes its workers with it instead of leaving them blocked on a pipe.
    Call it first thing in a worker, with `parent` the pid of the process that started it
    (os.getpid() there): a parent killed while a spawned child was still starting, before
    the request could take effect, is noticed too. Elsewhere than Linux it does nothing."""
    parent = os.getppid() if parent is None else parent
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os.kill(os.getpid(), signal.SIGKILL)


TEMP_PREFIX = "docket-"


def worker_temp_dir() -> Path:
    """A temporary folder for this run's workers (Tesseract and the office converters write
    there), named after this process so that a later run can remove what a killed one left;
    the folders of runs no longer alive are removed now."""
    base = Path(tempfile.gettempdir())
    for old in base.glob(f"{TEMP_PREFIX}*"):
        pid = old.name[len(TEMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not is_alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))


def use_temp_dir(path: Path) -> None:
    """Make this process and the programs it starts write temporary files under `path`."""
    os.environ["TMPDIR"] = str(path)
    tempfile.tempdir = str(path)


def is_alive(pid: int) -> bool:
    """True while a process of this id exists (even one we may not signal)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
