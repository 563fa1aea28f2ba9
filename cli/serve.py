"""`docket serve`: the site under waitress; the only module that imports app.py."""

from __future__ import annotations

import os
import socket
import threading

import click

from cli.common import HELP, load, var_option


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
@click.option("--threads", type=click.IntRange(1), default=8, help="Server worker threads.")
def serve(var, host, port, threads):
    """Serve the archive site with the waitress production server.

    Exits 1 with one line saying so when the port is taken.

    \b
    Example:
        docket serve --var var --port 5000
    """
    # Imported here so the other commands start without loading Flask.
    import waitress

    from app import create_app

    settings = load(var, host=host, port=port)
    # Checked before waitress starts: its own failure is a traceback from deep inside.
    reason = port_problem(settings.host, settings.port)
    if reason:
        raise _refuse(settings.host, settings.port, reason)
    app = create_app(settings)
    runner = app.config["DOCKET_BROAD"] = broad_runner(settings)
    threading.Thread(target=warm, args=(app, runner), name="docket: warm-up",
                     daemon=True).start()
    click.echo(f"Serving {settings.var} on http://{settings.host}:{settings.port}/ "
               f"(Ctrl-C to stop)", err=True)
    try:
        waitress.serve(app, host=settings.host, port=settings.port, threads=threads)
    except OSError as exc:  # taken between the check and the start
        raise _refuse(settings.host, settings.port, os.strerror(exc.errno) if exc.errno
                      else str(exc)) from exc
    finally:
        if runner is not None:
            runner.stop()
