"""`docket batch-search`: many queries at once, a table (or JSON, CSV) of totals and top hits."""

from __future__ import annotations

import sys

import click

from archive.batch import DEFAULT_LIMIT, BatchEntry, batch_csv, batch_json, read_queries, run_batch
from archive.catalog import Catalog
from archive.engines import open_index
from archive.search import parse_filters
from cli.common import load, print_json, query_errors, var_option


@click.command("batch-search")
@click.argument("file", type=click.File("r", encoding="utf-8"))
@var_option
@click.option("--limit", type=click.IntRange(1, 1000), default=DEFAULT_LIMIT, show_default=True,
              help="Top documents listed per query.")
@click.option("-f", "--filter", "filters", multiple=True, metavar="FACET:VALUE",
              help="Narrow every query to a facet value: lang:ar, type:pdf, folder:letters, "
                   "year:2010, status:ok. Repeatable.")
@click.option("--aliases/--no-aliases", default=True, show_default=True,
              help="Also search other spellings of names (bin Laden = بن لادن).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: {queries: [...]}.")
@click.option("--csv", "as_csv", is_flag=True,
              help="Print CSV: one row per query and hit, with the query's total.")
def batch_search(file, var, limit, filters, aliases, as_json, as_csv):
    """Run every query in FILE (one per line, or a CSV with a `query` column; blank lines and
    # comments skipped) with the same engine and options as `docket search`.

    A malformed query does not stop the batch: its entry carries the error, and the command
    exits 1 at the end. FILE may be - for standard input.

    \b
    Example:
        docket batch-search names.txt -f lang:ar --limit 3 --csv > hits.csv
    """
    if as_json and as_csv:
        raise click.UsageError("Choose one of --json and --csv.")
    queries = read_queries(file.read())
    if not queries:
        raise click.UsageError(f"{file.name} holds no queries (one per line, # for comments).")
    settings = load(var)
    with query_errors():
        entries = run_batch(open_index(settings), Catalog(settings.catalog_path),
                            queries, parse_filters(filters), aliases, limit, editor=True)
    if as_json:
        print_json(batch_json(entries))
    elif as_csv:
        click.echo(batch_csv(entries, f"http://{settings.host}:{settings.port}"), nl=False)
    else:
        _print_table(entries)
    failed = [e for e in entries if e.error]
    if failed:
        click.echo(f"{len(failed)} of {len(entries)} queries could not run: "
                   + "; ".join(f"{e.query!r}: {e.error}" for e in failed), err=True)
        sys.exit(1)


def _print_table(entries: list[BatchEntry]) -> None:
    width = max(len(e.query) for e in entries)
    click.echo(f"{'total':>7}  query")
    for e in entries:
        total = "error" if e.error else f"{e.total}{'+' if e.partial else ''}"
        click.echo(f"{total:>7}  {e.query:<{width}}" + (f"  {e.error}" if e.error else ""))
        for h in e.hits:
            click.echo(f"{'':>9}{h.doc_id}  {h.title}  {h.paths[0] if h.paths else ''}")
