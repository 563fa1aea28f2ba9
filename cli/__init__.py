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



def run() -> None:
    """The `docket` program: named `docket: index` (`docket: serve`, ...) in ps and top, so
    an operator tells a run from its workers and the site from its broad-search process;
    named here, where the process starts, not in the commands (tests call them inside
    pytest's process)."""
    import sys

    from indexer.processes import name_process

    words = [arg for arg in sys.argv[1:] if not arg.startswith("-")][:1]
    name_process(" ".join(["docket:", *words]) if words else "docket")
    main()


__all__ = ["main", "run"]
