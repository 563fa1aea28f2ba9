"""The `docket` command line: one click group over the library; commands live by area."""

from __future__ import annotations

import click

from cli import batch, index, news, search, serve


@click.group(context_settings={"help_option_names": ["-h", "--help"], "show_default": True})
@click.version_option(package_name="docket")
def main():
    """Docket: index a released document collection and explore it in the browser.

    \b
    Example:
        docket index sample_docs/release && docket serve
    """


for command in (index.index, index.status, index.show, search.search,
                batch.batch_search, serve.serve, news.news, news.editor):
    main.add_command(command)

__all__ = ["main"]
