"""`docket search`: the site's search from the command line."""

from __future__ import annotations

import click

from archive.catalog import Catalog
from archive.engines import open_index
from archive.findings import search_with_tags
from archive.model import SearchRequest, SearchResult
from archive.search import MATCH_ALL, parse_filters, search_json
from cli.common import json_option, load, print_json, query_errors, var_option


@click.command()
@click.argument("query")
@var_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, help="Page of results.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              help="Order of the hits: relevance, date (oldest first) or -date.")
@click.option("-f", "--filter", "filters", multiple=True, metavar="FACET:VALUE",
              help="Narrow to a facet value: lang:ar, type:pdf, folder:letters, year:2010, "
                   "status:ok, tag:NAME (editors' tags). Repeatable.")
@click.option("--aliases/--no-aliases", default=True,
              help="Also search other spellings of names (bin Laden = بن لادن).")
@json_option
def search(query, var, limit, page, sort, filters, aliases, as_json):
    """Search the archive from the command line, with the site's query language.

    Exits 2 with the reason when the query is malformed or refused.

    \b
    Example:
        docket search "bin Laden" -f lang:ar --limit 5
    """
    settings = load(var)
    with query_errors():
        request = SearchRequest(query, page=page, page_size=limit, sort=sort,
                                filters=parse_filters(filters), aliases=aliases)
        catalog = Catalog(settings.catalog_path)
        # Whoever runs the command holds the archive: its editors' tags are theirs to see.
        result = search_with_tags(open_index(settings), catalog, request, editor=True)
    if as_json:
        print_json(search_json(result))
    else:
        _print_result(result)


def _print_result(result: SearchResult) -> None:
    matched = (f"match {result.query!r}" if result.query.strip() not in MATCH_ALL
               else "in the archive")
    click.echo(f"{result.total} documents {matched}"
               + (" (stopped at the time limit; there may be more)" if result.partial else ""))
    if result.notice:
        click.echo(f"Note: {result.notice}", err=True)
    for h in result.hits:
        click.echo(f"\n{h.doc_id}  {h.title}  [{', '.join(h.languages) or '-'}]  {h.paths[0]}")
        for s in h.snippets:
            click.echo(f"    p.{s.page}: {s.text}")
    for name, values in result.facets.items():
        if values:
            click.echo(f"{name}: " + ", ".join(f"{v} {n}" for v, n in values[:8]))
