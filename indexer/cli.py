"""The `docket` command line: index, status, show, search, serve."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from archive.catalog import Catalog
from archive.config import load_settings, setting_help
from archive.errors import ArchiveError
from archive.model import SearchRequest
from archive.search import WhooshIndex, parse_filters, search_documents, search_json
from archive.xref import coverage_for_document, link_json
from indexer.run import SilentReporter, index_collection

HELP = setting_help()


def _settings(var, **overrides):
    try:
        return load_settings({"var": var, **overrides})
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc


def _var_option(func):
    return click.option("--var", "var", type=click.Path(file_okay=False, path_type=Path),
                        envvar="DOCKET_VAR", show_envvar=True,
                        help="Folder of the catalog and index (default: var/).")(func)


def _json_option(func):
    return click.option("--json", "as_json", is_flag=True,
                        help="Print one JSON object instead of prose.")(func)


@contextmanager
def _query_errors():
    """A refused or malformed query exits 2 with the reason; other archive errors exit 1."""
    try:
        yield
    except ArchiveError as exc:
        if exc.status == 400:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)
        raise click.ClickException(str(exc)) from exc


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


class BarReporter:
    """Shows a click progress bar per phase, labelled with the current file."""

    def __init__(self):
        self.bar = None

    def phase(self, name: str, total: int) -> None:
        self.close()
        if total:
            self.bar = click.progressbar(length=total, label=f"{name:<10}", file=sys.stderr,
                                         show_pos=True, item_show_func=lambda s: s and s[-40:])
            self.bar.__enter__()

    def step(self, item: str, n: int = 1) -> None:
        if self.bar:
            self.bar.current_item = item
            self.bar.update(n)

    def more(self, n: int) -> None:
        if self.bar:
            self.bar.length += n

    def close(self) -> None:
        if self.bar:
            self.bar.__exit__(None, None, None)
            self.bar = None


def reporter_for(quiet: bool):
    """A progress bar on a terminal; nothing when quiet or when stderr is not a terminal."""
    if quiet or not sys.stderr.isatty():
        return SilentReporter()
    return BarReporter()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="docket")
def main():
    """Docket: index a released document collection and explore it in the browser.

    \b
    Example:
        docket index sample_docs/release && docket serve
    """


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@_var_option
@click.option("-j", "--jobs", type=click.IntRange(0), help=HELP["jobs"])
@click.option("--time-limit", type=click.FloatRange(1), help=HELP["time_limit"])
@click.option("--memory-limit-mb", type=click.IntRange(256), help=HELP["memory_limit_mb"])
@click.option("--max-file-mb", type=click.IntRange(1), help=HELP["max_file_mb"])
@click.option("--max-container-mb", type=click.IntRange(1), help=HELP["max_container_mb"])
@click.option("--max-depth", type=click.IntRange(0), help=HELP["max_depth"])
@click.option("--ocr/--no-ocr", default=None, help=HELP["ocr"])
@click.option("--ocr-languages", help=HELP["ocr_languages"])
@click.option("--embeddings/--no-embeddings", default=None, help=HELP["embeddings"])
@click.option("--retry-failed", is_flag=True, help="Extract again the files that failed before.")
@click.option("--rebuild-index", is_flag=True,
              help="Recreate the search index from the catalog (no re-extraction) and stop.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True, help="List every failed file with its reason.")
@_json_option
def index(folder, var, jobs, time_limit, memory_limit_mb, max_file_mb, max_container_mb,
          max_depth, ocr, ocr_languages, embeddings, retry_failed, rebuild_index, quiet,
          verbose, as_json):
    """Index FOLDER incrementally: only new, changed, moved and removed files are processed.

    Ends with a summary; exits 0 when no file failed, 1 when some did (the rest is
    committed), 2 for usage errors. Ctrl-C keeps everything committed so far; run the same
    command again to resume.

    \b
    Example:
        docket index sample_docs/release --var var -j 2
    """
    settings = _settings(var, jobs=jobs, time_limit=time_limit, memory_limit_mb=memory_limit_mb,
                         max_file_mb=max_file_mb, max_container_mb=max_container_mb,
                         max_depth=max_depth, ocr=ocr, ocr_languages=ocr_languages,
                         embeddings=embeddings)
    if rebuild_index:
        from indexer.write import CatalogWriter

        writer = CatalogWriter(settings, folder)
        try:
            count = writer.sync_index(rebuild=True)
        finally:
            writer.close()
        if as_json:
            _print_json({"indexed": count, "var": str(settings.var)})
        else:
            click.echo(f"Rebuilt the search index from the catalog: {count} documents "
                       f"in {settings.index_dir}.")
        return
    reporter = reporter_for(quiet)
    try:
        summary = index_collection(settings, folder, reporter, retry_failed=retry_failed)
    except KeyboardInterrupt:
        getattr(reporter, "close", lambda: None)()
        click.echo("\nInterrupted. Everything committed so far is kept; run the same command "
                   "again to resume.", err=True)
        sys.exit(130)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        getattr(reporter, "close", lambda: None)()
    data = summary.as_dict()
    if as_json:
        _print_json(data)
    else:
        failed = sum(summary.failed.values())
        reasons = ", ".join(f"{n} {r}" for r, n in sorted(summary.failed.items()))
        if not summary.extracted and not (summary.added or summary.updated or summary.moved
                                          or summary.removed):
            click.echo("Nothing changed since the last run; nothing was re-extracted.")
        click.echo(f"added {summary.added}, updated {summary.updated}, moved {summary.moved}, "
                   f"removed {summary.removed}, unchanged {summary.unchanged}, "
                   f"failed {failed}{f' ({reasons})' if reasons else ''}; "
                   f"{summary.extracted} files extracted"
                   f"{f', {summary.embedded} embedded' if summary.embedded else ''} "
                   f"in {summary.seconds:.1f} s; "
                   f"archive in {settings.var}")
        if summary.failures and verbose:
            for f in summary.failures:
                click.echo(f"  {f['reason']:<14} {f['error'] or f['path']}", err=True)
        elif summary.failures:
            click.echo("Run with -v to list the failed files, or see: docket status", err=True)
    sys.exit(1 if summary.failed else 0)


def _open_catalog(settings) -> Catalog:
    try:
        return Catalog(settings.catalog_path)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
@_var_option
@_json_option
def status(var, as_json):
    """Show what the archive holds: counts by type, language and status, and failed files.

    \b
    Example:
        docket status --var var --json
    """
    settings = _settings(var)
    catalog = _open_catalog(settings)
    counts = catalog.counts()
    counts["last_run"] = catalog.last_run()
    if counts["last_run"] and counts["last_run"].get("summary"):
        counts["last_run"]["summary"] = json.loads(counts["last_run"]["summary"])
    if as_json:
        _print_json(counts)
        return
    click.echo(f"Collection: {counts['collection']}")
    click.echo(f"{counts['documents']} documents at {counts['paths']} paths, "
               f"{counts['pages']} pages, {counts['bytes'] / 2**20:.1f} MiB; "
               f"{counts['gone']} gone from the collection")
    for title, key in (("By type", "kinds"), ("By language", "languages"),
                       ("By status", "statuses")):
        click.echo(f"{title}: " + ", ".join(f"{k or '-'} {v}" for k, v in counts[key].items()))
    if counts["failed"]:
        click.echo(f"Failed files ({len(counts['failed'])}):")
        for f in counts["failed"]:
            click.echo(f"  {f['reason']:<14} {f['path']}  [{f['doc_id']}]  {f['error'] or ''}")
    if counts["empty"]:
        click.echo(f"Nothing to read ({len(counts['empty'])}): "
                   + ", ".join(f"{f['path']} ({f['reason']})" for f in counts["empty"]))


@main.command()
@click.argument("ref")
@_var_option
@_json_option
@click.option("--pages/--no-pages", default=True, help="Print the text page by page.")
def show(ref, var, as_json, pages):
    """Show one document by id, id prefix, SHA-256 or path: metadata, status, text by page.

    \b
    Example:
        docket show release/letters/letter-01.txt
    """
    settings = _settings(var)
    catalog = _open_catalog(settings)
    try:
        doc = catalog.document(catalog.resolve(ref), allow_gone=True)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    page_list = catalog.pages(doc.doc_id) if pages or as_json else []
    data = {
        "id": doc.doc_id, "sha256": doc.sha256, "paths": list(doc.paths),
        "former_paths": list(doc.former_paths), "present": doc.present, "mime": doc.mime,
        "kind": doc.kind, "size": doc.size, "title": doc.title, "author": doc.author,
        "created": doc.created, "modified": doc.modified, "languages": list(doc.languages),
        "page_count": doc.page_count,
        "pages": [{"n": p.n, "text": p.text, "languages": list(p.languages)} for p in page_list],
        "metadata": doc.metadata, "status": doc.status, "reason": doc.reason,
        "error": doc.error, "parent": doc.parent_id,
        "children": [{"id": c[0], "path": c[1]} for c in doc.children],
        "news": [link_json(r) for r in coverage_for_document(catalog.conn, doc.doc_id)],
    }
    if as_json:
        _print_json(data)
        return
    for key in ("id", "sha256", "mime", "kind", "size", "title", "author", "created",
                "modified", "page_count", "status", "reason", "error", "parent"):
        if data[key] not in (None, ""):
            click.echo(f"{key + ':':<12} {data[key]}")
    click.echo(f"{'languages:':<12} {', '.join(doc.languages) or '-'}")
    for p in doc.paths:
        click.echo(f"{'path:':<12} {p}")
    for p in doc.former_paths:
        click.echo(f"{'former path:':<12} {p}")
    if not doc.present:
        click.echo("This document is no longer in the collection.")
    for c in doc.children:
        click.echo(f"{'child:':<12} {c[0]}  {c[1]}")
    for key, value in doc.metadata.items():
        click.echo(f"{'meta ' + key + ':':<12} {value}")
    for p in page_list:
        click.echo(f"\n--- page {p.n} [{', '.join(p.languages) or '-'}] ---\n{p.text}")


@main.command()
@click.argument("query")
@_var_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, help="Page of results.")
@click.option("--sort", type=click.Choice(["relevance", "date", "-date"]), default="relevance",
              help="Order of the hits: relevance, date (oldest first) or -date.")
@click.option("-f", "--filter", "filters", multiple=True, metavar="FACET:VALUE",
              help="Narrow to a facet value: lang:ar, type:pdf, folder:letters, year:2010, "
                   "status:ok. Repeatable.")
@click.option("--aliases/--no-aliases", default=True,
              help="Also search other spellings of names (bin Laden = بن لادن).")
@_json_option
def search(query, var, limit, page, sort, filters, aliases, as_json):
    """Search the archive from the command line, with the site's query language.

    Exits 2 with the reason when the query is malformed or refused.

    \b
    Example:
        docket search "bin Laden" -f lang:ar --limit 5
    """
    settings = _settings(var)
    with _query_errors():
        request = SearchRequest(query, page=page, page_size=limit, sort=sort,
                                filters=parse_filters(filters), aliases=aliases)
        catalog = Catalog(settings.catalog_path)
        result = search_documents(WhooshIndex(settings.index_dir), catalog, request)
    if as_json:
        _print_json(search_json(result))
        return
    click.echo(f"{result.total} documents match {query!r}"
               + (" (stopped at the time limit; there may be more)" if result.partial else ""))
    for h in result.hits:
        click.echo(f"\n{h.doc_id}  {h.title}  [{', '.join(h.languages) or '-'}]  {h.paths[0]}")
        for s in h.snippets:
            click.echo(f"    p.{s.page}: {s.text}")
    for name, values in result.facets.items():
        if values:
            click.echo(f"{name}: " + ", ".join(f"{v} {n}" for v, n in values[:8]))


@main.command()
@_var_option
@click.option("--host", help=HELP["host"])
@click.option("--port", type=click.IntRange(1, 65535), help=HELP["port"])
@click.option("--threads", type=click.IntRange(1), default=8, help="Server worker threads.")
def serve(var, host, port, threads):
    """Serve the archive site with the waitress production server.

    \b
    Example:
        docket serve --var var --port 5000
    """
    import waitress

    from app import create_app

    settings = _settings(var, host=host, port=port)
    app = create_app(settings)
    click.echo(f"Serving {settings.var} on http://{settings.host}:{settings.port}/ "
               f"(Ctrl-C to stop)", err=True)
    waitress.serve(app, host=settings.host, port=settings.port, threads=threads)


@main.group()
def news():
    """Bring news coverage in and see which documents each article discusses.

    \b
    Example:
        docket news add sample_docs/news --var var
    """


def _news_setup(var):
    from archive.catalog import connect

    settings = _settings(var)
    if not settings.catalog_path.exists():
        raise click.ClickException(f"No catalog in {settings.var}. Build it first with: "
                                   f"docket index <folder> --var {settings.var}")
    return settings, connect(settings.catalog_path), WhooshIndex(settings.index_dir)


@news.command("add")
@click.argument("source")
@_var_option
@click.option("--allow-private", is_flag=True,
              help="Allow fetching from private and loopback addresses (local test servers).")
@_json_option
def news_add(source, var, allow_private, as_json):
    """Add news from a file, a folder, a URL or an RSS/Atom feed URL, then link it.

    Saved HTML pages give their main text, headline, outlet, author and date; feeds give
    each item (fetched). URLs to private or local addresses are refused by default.

    \b
    Example:
        docket news add https://example.org/feed.xml --var var --json
    """
    from archive import news as news_mod
    from archive import xref
    from indexer import news as news_writer

    settings, conn, index = _news_setup(var)
    try:
        if source.startswith(("http://", "https://")):
            articles = news_mod.load_url(source, allow_private=allow_private)
        elif Path(source).exists():
            articles = news_mod.load_path(Path(source))
        else:
            raise click.UsageError(f"{source} is neither a URL nor an existing file or folder.")
        added = news_writer.add_articles(conn, index, articles, settings.news_index_dir)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        _print_json({"added": [{"id": a.news_id, "title": a.title} for a in added]})
        return
    click.echo(f"{len(added)} new articles ({len(articles) - len(added)} already present); "
               f"links computed for {len(articles)}.")
    for a in articles:
        shown = len(xref.links_for_article(conn, a.news_id))
        click.echo(f"  {a.news_id}  {a.title}  -> {shown} documents")


@news.command("list")
@_var_option
@_json_option
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
        _print_json({"articles": rows})
        return
    for r in rows:
        click.echo(f"{r['id']}  {r['published'] or '----------'}  {r['outlet'] or '-'}: "
                   f"{r['title']}  ({r['links']} documents)")


@news.command("show")
@click.argument("news_id")
@_var_option
@_json_option
def news_show(news_id, var, as_json):
    """Show an article and the documents it discusses, best first, with the evidence.

    \b
    Example:
        docket news show n1a2b3c4d5e6 --json
    """
    from archive import news as news_mod
    from archive import xref

    _, conn, _ = _news_setup(var)
    try:
        article = news_mod.get_article(conn, news_id)
    except ArchiveError as exc:
        raise click.ClickException(str(exc)) from exc
    links = xref.links_for_article(conn, news_id)
    data = news_mod.article_json(article) | {"text": article.text,
                                             "links": [xref.link_json(r) for r in links]}
    if as_json:
        _print_json(data)
        return
    click.echo(f"{article.title}\n{article.outlet or '-'}, {article.published or '-'}\n")
    for r in data["links"]:
        ev = r["evidence"]
        why = "; ".join(ev.get("references", []) + [f'"{q["text"]}" (p.{q["page"]})'
                                                   for q in ev.get("quotes", [])]
                        + [", ".join(ev.get("entities", []))] if ev.get("entities") else [])
        click.echo(f"  {r['score']:.2f}  {r['doc_id']}  {r['doc_title'] or ''}  {why}")


@news.command("search")
@click.argument("query")
@_var_option
@click.option("--limit", type=click.IntRange(1, 1000), default=20, help="Hits per page.")
@_json_option
def news_search(query, var, limit, as_json):
    """Search the news articles on their own (same query language as documents).

    \b
    Example:
        docket news search "courier" --var var
    """
    settings = _settings(var)
    with _query_errors():
        result = WhooshIndex(settings.news_index_dir).search(
            SearchRequest(query, page_size=limit))
    if as_json:
        _print_json({"total": result.total, "hits": [
            {"id": h.doc_id, "title": h.title, "date": h.date, "score": round(h.score, 4)}
            for h in result.hits]})
        return
    click.echo(f"{result.total} articles match {query!r}")
    for h in result.hits:
        click.echo(f"{h.doc_id}  {h.date or '----------'}  {h.title}")


@news.command("relink")
@_var_option
def news_relink(var):
    """Recompute every article's links (after changing the alias table, say).

    \b
    Example:
        docket news relink --var var
    """
    from indexer import news as news_writer

    _, conn, index = _news_setup(var)
    click.echo(f"Links recomputed for {news_writer.relink(conn, index)} articles.")


@main.group()
def editor():
    """Manage the editors who may change the archive from the web (news, link reviews).

    \b
    Example:
        docket editor add amira --var var
    """


@editor.command("add")
@click.argument("name")
@_var_option
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
