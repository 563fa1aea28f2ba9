"""`docket serve`: the site under waitress; the only module that imports app.py."""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from contextlib import suppress

import click

from cli.common import HELP, load, var_option
from indexer.processes import die_with_parent, name_process


def port_problem(host: str, port: int) -> str | None:
    """Why the site cannot listen on host:port (taken, not allowed), or None when it can."""
    try:
        with socket.create_server((host, port)):
            return None
    except OSError as exc:
        return os.strerror(exc.errno) if exc.errno else str(exc)


def warm(app, runner=None) -> None:
    """Ask the site once for its overview and a browse of every document, so the first
    visitors do not wait for what is built once per archive version: the overview's
    counts and the facet arrays (seconds each at 100,000 documents), and start the
    broad-search process (web.broad), which warms its own. Errors (no index yet) are
    pages like any other, shown to nobody."""
    if runner is not None:
        runner.start()
    client = app.test_client()
    for path in ("/", "/search.json?q="):
        client.get(path).close()


def broad_runner(settings):
    """The process for broad searches (web.broad) of a Whoosh archive; None for Xapian,
    which matches in C++ outside the interpreter lock, or an archive the site cannot open
    (its pages say why)."""
    from archive.engines import archive_engine
    from archive.errors import ArchiveError
    from archive.search import DEADLINE
    from web.broad import BroadRunner

    try:
        engine, _ = archive_engine(settings)
    except (ArchiveError, ValueError):
        return None
    return BroadRunner(settings, DEADLINE) if engine == "whoosh" else None


def _refuse(host: str, port: int, reason: str):
    return click.ClickException(
        f"Cannot listen on {host}:{port} ({reason}). Choose another port with --port "
        f"(docket serve --port {port + 1}) or PORT={port + 1} ./dev demo.")


@click.command()
@var_option
@click.option("--host", help=HELP["host"])
@click.option("--port", type=click.IntRange(1, 65535), help=HELP["port"])
@click.option("--threads", type=click.IntRange(1), default=8, help="Server worker threads "
              "(of each process).  [default: 8]")
@click.option("--processes", type=click.IntRange(1, 64), help=HELP["processes"])
def serve(var, host, port, threads, processes):
    """Serve the archive site with the waitress production server.

    Exits 1 with one line saying so when the port is taken. With --processes N, N server
    processes answer on the same port (each with its own threads and broad-search
    process); one that dies is started again, and all end with the command.

    \b
    Example:
        docket serve --var var --port 5000
        docket serve --var var --processes 2
    """
    settings = load(var, host=host, port=port, processes=processes)
    # Checked before waitress starts: its own failure is a traceback from deep inside.
    reason = port_problem(settings.host, settings.port)
    if reason:
        raise _refuse(settings.host, settings.port, reason)
    click.echo(f"Serving {settings.var} on http://{settings.host}:{settings.port}/ "
               + (f"with {settings.processes} processes " if settings.processes > 1 else "")
               + "(Ctrl-C to stop)", err=True)
    if settings.processes == 1:
        _serve_here(settings, threads)
        return
    try:
        sock = socket.create_server((settings.host, settings.port), backlog=1024)
    except OSError as exc:  # taken between the check and now
        raise _refuse(settings.host, settings.port, os.strerror(exc.errno) if exc.errno
                      else str(exc)) from exc
    # Forked before any thread starts here; each process accepts from the one socket, so
    # the process with a free thread takes the next connection.
    ServerProcesses(settings.processes, lambda: _serve_here(settings, threads, sock)).run()


def _serve_here(settings, threads: int, sock: socket.socket | None = None) -> None:
    """Serve in this process (on `sock` when given) until stopped."""
    # Imported here so the other commands start without loading Flask.
    import waitress

    from app import create_app

    app = create_app(settings)
    runner = app.config["DOCKET_BROAD"] = broad_runner(settings)
    threading.Thread(target=warm, args=(app, runner), name="docket: warm-up",
                     daemon=True).start()
    where = {"sockets": [sock]} if sock is not None else {"host": settings.host,
                                                           "port": settings.port}
    try:
        waitress.serve(app, threads=threads, **where)
    except OSError as exc:  # taken between the check and the start
        raise _refuse(settings.host, settings.port, os.strerror(exc.errno) if exc.errno
                      else str(exc)) from exc
    finally:
        if runner is not None:
            runner.stop()


RESTART_AFTER = 5.0  # seconds a process must have run to be started again when it dies
STOP_SECONDS = 10.0  # for the processes to end on SIGTERM before they are killed


class ServerProcesses:
    """N forked copies of the server, kept at N: one that dies after running a while is
    started again (one dying at once, RESTART_AFTER, is a fault a restart would repeat:
    the command stops with the others). They end with this process: SIGTERM when it stops,
    and the kernel's SIGKILL when it is killed (PR_SET_PDEATHSIG)."""

    def __init__(self, count: int, serve_child):
        self.count, self.serve_child = count, serve_child
        self.children: dict[int, float] = {}  # pid -> when it started

    def run(self) -> None:
        previous = signal.signal(signal.SIGTERM, _stop)
        try:
            for _ in range(self.count):
                self._start()
            while self.children:
                pid, status = os.wait()
                started = self.children.pop(pid, None)
                if started is None:
                    continue
                if time.monotonic() - started < RESTART_AFTER:
                    raise click.ClickException(
                        f"A server process ended at once ({_how(status)}); see the lines "
                        f"above, or try --processes 1.")
                click.echo(f"A server process ended ({_how(status)}); starting another.",
                           err=True)
                self._start()
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop()

    def _start(self) -> None:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                die_with_parent(parent)
                name_process("docket: serve process")
                signal.signal(signal.SIGTERM, _stop)
                self.serve_child()
                code = 0
            except (KeyboardInterrupt, SystemExit):
                code = 0
            except click.ClickException as exc:
                exc.show()
            finally:
                os._exit(code)
        self.children[pid] = time.monotonic()

    def stop(self) -> None:
        """SIGTERM to every process, then SIGKILL to those still there after STOP_SECONDS."""
        for pid in self.children:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
        ends = time.monotonic() + STOP_SECONDS
        while self.children and time.monotonic() < ends:
            for pid in list(self.children):
                with suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0] == 0:
                        continue
                self.children.pop(pid)
            time.sleep(0.05)
        for pid in self.children:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.children = {}


def _stop(signum, frame) -> None:
    raise SystemExit(0)


def _how(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"killed by signal {os.WTERMSIG(status)}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
