"""`docket news` (articles in, their links out) and `docket editor` (who may change things)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from archive.engines import open_index
from archive.errors import ArchiveError
from archive.model import SearchRequest
from archive.search import WhooshIndex
from cli.common import archive_errors, json_option, load, print_json, query_errors, var_option


@click.group()
def news():
    """Bring news coverage in and see which documents each article discusses.

    \b
    Example:
        docket news add sample_docs/news --var var
    """


def _news_setup(var):
    from archive.catalog import connect

    settings = load(var)
    if not settings.catalog_path.exists():
        raise click.ClickException(f"No catalog in {settings.var}. Build it first with: "
                                   f"docket index <folder> --var {settings.var}")
    return settings, connect(settings.catalog_path), open_index(settings)


@news.command("add")
@click.argument("sources", nargs=-1, required=True)
@var_option
@click.option("--allow-private", is_flag=True,
              help="Allow fetching from private and loopback addresses (local test servers).")
@json_option
def news_add(sources, var, allow_private, as_json):
    """Add news from files, folders, URLs or RSS/Atom feed URLs, then link it.

    Saved HTML pages give their main text, headline, outlet, author and date; feeds give
    each item (fetched). URLs to private or local addresses are refused by default. A
    source that cannot be read is reported on stderr and the others go on; the command
    then exits 1.

    \b
    Example:
        docket news add sample_docs/news https://example.org/feed.xml --var var --json
    """
    from archive import xref
    from indexer.news import add_articles

    settings, conn, index = _news_setup(var)
    articles, failed = [], []
    for source in sources:
        try:
            articles += _load_articles(source, allow_private)
        except (ArchiveError, OSError) as exc:
            failed.append({"source": source, "error": str(exc)})
            click.echo(f"Could not read {source}: {exc}", err=True)
    with archive_errors():
        added = add_articles(conn, index, articles, settings.news_index_dir)
    if as_json:
        print_json({"added": [{"id": a.news_id, "title": a.title} for a in added],
                    "failed": failed})
    else:
        click.echo(f"{len(added)} new articles ({len(articles) - len(added)} already present); "
                   f"links computed for {len(articles)}"
                   + (f"; {len(failed)} of {len(sources)} sources failed." if failed else "."))
        for a in articles:
            shown = len(xref.links_for_article(conn, a.news_id))
            click.echo(f"  {a.news_id}  {a.title}  -> {shown} documents")
    if failed:
        sys.exit(1)


def _load_articles(source: str, allow_private: bool) -> list:
    from archive import news as news_mod

    if source.startswith(("http://", "https://")):
        return news_mod.load_url(source, allow_private=allow_private)
    if Path(source).exists():
        return news_mod.load_path(Path(source))
    raise ArchiveError(f"{source} is neither a URL nor an existing file or folder.")


@news.command("list")
@var_option
@json_option
def news_list(var, as_json):
    """List the news articles with how many documents each discusses.

    \b
    Example:
        docket news list --var var
    """
    from archive import news as news_mod
    from archive import xref

    _, conn, _ = _news_setup(var)
    rows = [news_mod.article_json(a) | {"links": len(xref.links_for_article(conn, a.news_id))}
            for a in news_mod.list_articles(conn)]
    if as_json:
        print_json({"articles": rows})
        return
    for r in rows:
        click.echo(f"{r['id']}  {r['published'] or '----------'}  {r['outlet'] or '-'}: "
                   f"{r['title']}  ({r['links']} documents)")


@news.command("show")
@click.argument("news_id")
@var_option
@json_option
def news_show(news_id, var, as_json):
    """Show an article and the documents it discusses, best first, with the evidence.

    \b
    Example:
        docket news show n1a2b3c4d5e6 --json
    """
    from archive import news as news_mod
    from archive import xref

    _, conn, _ = _news_setup(var)
    with archive_errors():
        article = news_mod.get_article(conn, news_id)
    links = xref.links_for_article(conn, news_id)
    near = xref.near_misses(conn, news_id)
    data = news_mod.article_json(article) | {"text": article.text,
                                             "links": [xref.link_json(r) for r in links],
                                             "near_misses": [xref.link_json(r) for r in near]}
    if as_json:
        print_json(data)
        return
    click.echo(f"{article.title}\n{article.outlet or '-'}, {article.published or '-'}\n")
    if not links:
        click.echo("  None above the threshold.")
    _print_links(data["links"])
    if near:
        click.echo("\nPossible, below the threshold:")
        _print_links(data["near_misses"])


def _print_links(links: list[dict]) -> None:
    for r in links:
        click.echo(f"  {r['score']:.2f}  {r['doc_id']}  {r['doc_title'] or ''}")
        for why in r["why"]:
            page = f" (p.{why['page']})" if why["page"] else ""
            click.echo(f"        {why['text']}{page}")


@news.command("search")
@click.argument("query")
@var_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="Hits per page.")
@json_option
def news_search(query, var, limit, as_json):
    """Search the news articles on their own (same query language as documents).

    \b
    Example:
        docket news search "courier" --var var
    """
    settings = load(var)
    with query_errors():
        result = WhooshIndex(settings.news_index_dir).search(
            SearchRequest(query, page_size=limit))
    if as_json:
        print_json({"total": result.total, "hits": [
            {"id": h.doc_id, "title": h.title, "date": h.date, "score": round(h.score, 4)}
            for h in result.hits]})
        return
    click.echo(f"{result.total} articles match {query!r}")
    for h in result.hits:
        click.echo(f"{h.doc_id}  {h.date or '----------'}  {h.title}")


@news.command("relink")
@var_option
def news_relink(var):
    """Recompute every article's links (after changing the alias table, say).

    \b
    Example:
        docket news relink --var var
    """
    from indexer.news import relink

    _, conn, index = _news_setup(var)
    click.echo(f"Links recomputed for {relink(conn, index)} articles.")


@click.group()
def editor():
    """Manage the editors who may change the archive from the web (news, link reviews).

    \b
    Example:
        docket editor add amira --var var
    """


@editor.command("add")
@click.argument("name")
@var_option
@click.password_option(help="The editor's password (asked twice when not given).")
def editor_add(name, var, password):
    """Create an editor or change an editor's password.

    \b
    Example:
        docket editor add amira --var var
    """
    from archive.editors import set_password

    _, conn, _ = _news_setup(var)
    set_password(conn, name, password)
    click.echo(f"Editor {name} can now sign in at /login.")
