"""One language process per indexing run, so that lingua's models (up to 330 MB, measured
here) are loaded once and not in every extraction worker.

The pool starts it (`LanguageProcess`) and stops it by PID; workers ask it over a Unix socket
(`LanguageClient`), a document's questions a round at a time (indexer.enrich.tag_languages).
It ends with the run however the run ends: the kernel kills it when the run dies
(PR_SET_PDEATHSIG), and it exits when its pipe from the run closes. A worker that cannot reach
it answers that document with models of its own, so a lost language process costs memory for
a while, never a file; the pool starts another.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path

from indexer.enrich import Answer, Ask, answer, answer_here
from indexer.processes import die_with_parent, name_process

SOCKET_NAME = "languages.sock"
START_SECONDS = 30  # for the process to listen: a spawned interpreter, on a loaded machine
MAX_STARTS = 4  # a process that keeps dying is given up: the workers answer with their models


class LanguageProcessError(RuntimeError):
    """The language process did not start."""


class LanguageProcess:
    """The `docket: language` process of one run, listening on `folder`/languages.sock."""

    def __init__(self, folder: Path):
        self.address = str(folder / SOCKET_NAME)
        self.authkey = os.urandom(16)
        self._ctx = multiprocessing.get_context("spawn")
        self.process: multiprocessing.Process | None = None
        self._pipe: Connection | None = None
        self.starts = 0

    def start(self) -> None:
        """Start the process and wait until it listens (workers may connect at once).
        Raises LanguageProcessError when it does not listen within START_SECONDS."""
        self.starts += 1
        if os.path.exists(self.address):
            os.unlink(self.address)
        ready, ready_child = self._ctx.Pipe(duplex=False)
        life, life_child = self._ctx.Pipe(duplex=False)
        self.process = self._ctx.Process(
            target=_serve, args=(self.address, self.authkey, os.getpid(), ready_child, life),
            daemon=True)
        self.process.start()
        ready_child.close()
        life.close()
        self._pipe = life_child  # closed when this process ends: the language process ends
        if not ready.poll(START_SECONDS):
            self.stop()
            raise LanguageProcessError(f"the language process did not start within "
                                       f"{START_SECONDS} s")
        ready.close()

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def ensure(self) -> None:
        """Start another process if this one died (the kernel's OOM killer, an operator), at
        most MAX_STARTS in all; past that, or when it will not start, the workers answer."""
        if self.process is not None and not self.process.is_alive():
            self.stop()
            if self.starts < MAX_STARTS:
                try:
                    self.start()
                except LanguageProcessError:
                    pass

    def stop(self) -> None:
        """Stop the process by its PID and remove the socket."""
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
                self.process.join(5)
            if self.process.is_alive():
                self.process.kill()
                self.process.join(5)
            self.process = None
        if self._pipe is not None:
            self._pipe.close()
            self._pipe = None
        if os.path.exists(self.address):
            os.unlink(self.address)


def _serve(address: str, authkey: bytes, parent: int, ready: Connection,
           life: Connection) -> None:
    """The language process: answer each connected worker's questions in a thread of its own
    (lingua lets go of the interpreter lock while it scores, so two workers overlap)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's to decide
    die_with_parent(parent)
    name_process("docket: language")
    threading.Thread(target=_exit_on_close, args=(life,), daemon=True).start()
    listener = Listener(address, "AF_UNIX", authkey=authkey)
    ready.send(True)
    ready.close()
    while True:
        try:
            conn = listener.accept()
        except (OSError, EOFError, multiprocessing.AuthenticationError):  # a failed handshake
            continue
        threading.Thread(target=_answer_all, args=(conn,), daemon=True).start()


def _exit_on_close(life: Connection) -> None:
    try:
        life.recv()
    except (EOFError, OSError):
        pass
    os._exit(0)


def _answer_all(conn: Connection) -> None:
    with conn:
        while True:
            try:
                asks = conn.recv()
            except (EOFError, OSError):
                return
            try:
                answers = [answer(Ask(*a)) for a in asks]
            except Exception:  # noqa: BLE001 - a bad question closes its connection only
                return
            try:
                conn.send(answers)
            except OSError:
                return


class LanguageClient:
    """A worker's link to the language process; callable as tag_languages' `ask`."""

    def __init__(self, address: str, authkey: bytes):
        self.address, self.authkey = address, authkey
        self._conn: Connection | None = None

    def __call__(self, asks: list[Ask]) -> list[Answer]:
        for _ in range(2):  # a second try reaches the process the pool started instead
            try:
                if self._conn is None:
                    self._conn = Client(self.address, "AF_UNIX", authkey=self.authkey)
                self._conn.send([tuple(a) for a in asks])
                return self._conn.recv()
            except (OSError, EOFError):
                self.close()
        return answer_here(asks)  # with this worker's own models: slower to start, never lost

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except OSError:
                pass
            self._conn = None
