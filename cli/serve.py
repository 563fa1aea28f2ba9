"""`docket serve`: the site under waitress; the only module that imports app.py."""

from __future__ import annotations

import click

from cli.common import HELP, load, var_option


@click.command()
@var_option
@click.option("--host", help=HELP["host"])
@click.option("--port", type=click.IntRange(1, 65535), help=HELP["port"])
@click.option("--threads", type=click.IntRange(1), default=8, help="Server worker threads.")
def serve(var, host, port, threads):
    """Serve the archive site with the waitress production server.

    \b
    Example:
        docket serve --var var --port 5000
    """
    # Imported here so the other commands start without loading Flask.
    import waitress

    from app import create_app

    settings = load(var, host=host, port=port)
    app = create_app(settings)
    click.echo(f"Serving {settings.var} on http://{settings.host}:{settings.port}/ "
               f"(Ctrl-C to stop)", err=True)
    waitress.serve(app, host=settings.host, port=settings.port, threads=threads)
