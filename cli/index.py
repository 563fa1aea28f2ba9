"""The write-side commands and what they report: index, status, show."""

from __future__ import annotations

import json
import signal
import sys
from contextlib import contextmanager
from pathlib import Path

import click

from archive.config import Settings
from archive.engines import index_folder, recorded_engine
from archive.model import Document, Page, document_json
from archive.xref import coverage_for_document, link_json
from cli.common import (
    HELP,
    archive_errors,
    format_duration,
    json_option,
    load,
    open_catalog,
    print_json,
    reporter_for,
    var_option,
)
from indexer.report import Summary
from indexer.run import index_collection

SHOWN_FIELDS = ("id", "sha256", "mime", "kind", "size", "title", "author", "created",
                "modified", "page_count", "status", "reason", "error", "parent")
LIST_SHOWN = 20  # paths shown per list with -v; --json has them all


@click.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@var_option
@click.option("-j", "--jobs", type=click.IntRange(0), help=HELP["jobs"])
@click.option("--time-limit", type=click.FloatRange(1), help=HELP["time_limit"])
@click.option("--memory-limit-mb", type=click.IntRange(256), help=HELP["memory_limit_mb"])
@click.option("--max-file-mb", type=click.IntRange(1), help=HELP["max_file_mb"])
@click.option("--max-container-mb", type=click.IntRange(1), help=HELP["max_container_mb"])
@click.option("--max-depth", type=click.IntRange(0), help=HELP["max_depth"])
@click.option("--scheduler", metavar="tcp://HOST:8786", help=HELP["scheduler"])
@click.option("--ocr/--no-ocr", default=None, help=HELP["ocr"])
@click.option("--ocr-languages", help=HELP["ocr_languages"])
@click.option("--passwords", metavar="FILE", help=HELP["passwords"])
@click.option("--embeddings/--no-embeddings", default=None, help=HELP["embeddings"])
@click.option("--engine", type=click.Choice(["whoosh", "xapian"]), help=HELP["engine"])
@click.option("--xapian-shards", metavar="HOST:PORT,...", help=HELP["xapian_shards"])
@click.option("--retry-failed", is_flag=True, help="Extract again the files that failed before.")
@click.option("--rebuild-index", is_flag=True,
              help="Recreate the search index from the catalog (no re-extraction) in a new "
                   "folder, swap it in when complete (searches use the old one meanwhile), "
                   "and stop.")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar.")
@click.option("-v", "--verbose", is_flag=True,
              help=f"List the paths added, changed, moved and removed (the first {LIST_SHOWN} "
                   f"of each; --json has all) and every failed file with its reason.")
@json_option
def index(folder, var, retry_failed, rebuild_index, quiet, verbose, as_json, **limits):
    """Index FOLDER incrementally: only new, changed, moved and removed files are processed.

    Ends with a summary; exits 0 when no file failed, 1 when some did (the rest is
    committed), 2 for usage errors. Ctrl-C (exit 130) and SIGTERM (exit 143) keep everything
    committed so far and stop every worker; run the same command again to resume.

    \b
    Example:
        docket index sample_docs/release --var var -j 2
        docket index /mnt/release --scheduler tcp://host:8786
    """
    settings = load(var, **limits)
    if rebuild_index:
        _rebuild_index(settings, folder, as_json)
        return
    summary = _run_index(settings, folder, quiet, retry_failed)
    if as_json:
        print_json(summary.as_dict())
    else:
        _print_summary(summary, settings, verbose)
    sys.exit(1 if summary.failed else 0)


def _rebuild_index(settings: Settings, folder: Path, as_json: bool) -> None:
    from indexer.write import CatalogWriter

    writer = CatalogWriter(settings, folder)
    try:
        count = writer.sync_index(rebuild=True)
    finally:
        writer.close()
    engine, shards = recorded_engine(settings)
    where = index_folder(settings, engine or "whoosh", shards) or f"the shards {shards}"
    if as_json:
        print_json({"indexed": count, "engine": engine, "var": str(settings.var)})
    else:
        click.echo(f"Rebuilt the search index from the catalog: {count} documents "
                   f"in {where} ({engine}).")


class _Terminated(KeyboardInterrupt):
    """SIGTERM, turned into the orderly stop Ctrl-C makes: commit, stop the workers."""


def _terminate(signum, frame):
    raise _Terminated()


@contextmanager
def _stop_on_sigterm():
    # Python's default for SIGTERM ends the process on the spot: the workers then die with
    # it (die_with_parent), but the Tesseract or antiword a worker started would run on.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_index(settings: Settings, folder: Path, quiet: bool, retry_failed: bool) -> Summary:
    # Ctrl-C exits 130, SIGTERM 143; everything the writer committed before it stays.
    reporter = reporter_for(quiet)
    close = getattr(reporter, "close", lambda: None)
    try:
        with archive_errors(), _stop_on_sigterm():
            return index_collection(settings, folder, reporter, retry_failed=retry_failed)
    except KeyboardInterrupt as exc:
        close()
        terminated = isinstance(exc, _Terminated)
        click.echo(f"\n{'Stopped (SIGTERM)' if terminated else 'Interrupted'}. Everything "
                   "committed so far is kept; run the same command again to resume.", err=True)
        sys.exit(143 if terminated else 130)
    finally:
        close()


def _print_summary(summary: Summary, settings: Settings, verbose: bool) -> None:
    failed = sum(summary.failed.values())
    reasons = ", ".join(f"{n} {r}" for r, n in sorted(summary.failed.items()))
    if not summary.extracted and not (summary.added or summary.updated or summary.moved
                                      or summary.removed):
        if summary.indexed:  # an index of an older Docket, or a damaged one, was refilled
            click.echo(f"Nothing changed in the collection; the search index was rebuilt "
                       f"from the catalog ({summary.indexed} documents), nothing re-extracted.")
        else:
            click.echo("Nothing changed since the last run; nothing was re-extracted.")
    click.echo(f"added {summary.added}, updated {summary.updated}, moved {summary.moved}, "
               f"removed {summary.removed}, unchanged {summary.unchanged}, "
               f"failed {failed}{f' ({reasons})' if reasons else ''}; "
               f"{summary.extracted} files extracted"
               f"{f', {summary.embedded} embedded' if summary.embedded else ''} "
               f"in {summary.seconds:.1f} s; "
               f"archive in {settings.var}")
    if verbose:
        _print_changes(summary)
    if summary.failures and verbose:
        for f in summary.failures:
            click.echo(f"  {f['reason']:<14} {f['error'] or f['path']}", err=True)
    elif summary.failures:
        click.echo("Run with -v to list the failed files, or see: docket status", err=True)
    _print_skipped(summary.skipped, summary.skipped_paths, verbose)


def _print_changes(summary: Summary) -> None:
    """The paths of each change, the first LIST_SHOWN of each list."""
    lists = (("Added", summary.added_paths), ("Changed", summary.updated_paths),
             ("Moved", [f"{m['from']} -> {m['to']}" for m in summary.moved_paths]),
             ("Removed", summary.removed_paths),
             ("Noted", [n["note"] for n in summary.noted]))
    for title, paths in lists:
        if not paths:
            continue
        click.echo(f"{title} ({len(paths)}):")
        for path in paths[:LIST_SHOWN]:
            click.echo(f"  {path}")
        if len(paths) > LIST_SHOWN:
            click.echo(f"  ... and {len(paths) - LIST_SHOWN} more (--json lists them all)")


def _print_skipped(counts: dict, paths: list[dict], verbose: bool) -> None:
    # Entries left out of the index (links, fifos, system files...): counted, never silent.
    if not counts:
        return
    click.echo(f"Skipped {sum(counts.values())} entries: "
               + ", ".join(f"{n} {r}" for r, n in sorted(counts.items())), err=True)
    for entry in paths if verbose else []:
        click.echo(f"  {entry['reason']:<14} {entry['path']}", err=True)


@click.command()
@var_option
@json_option
def status(var, as_json):
    """Show what the archive holds: counts by type, language and status, and failed files.

    \b
    Example:
        docket status --var var --json
    """
    catalog = open_catalog(load(var))
    counts = catalog.counts()
    counts = dict(counts)  # the catalog caches its counts: add to a copy
    counts["last_run"] = catalog.last_run()
    if counts["last_run"] and counts["last_run"].get("summary"):
        counts["last_run"]["summary"] = json.loads(counts["last_run"]["summary"])
    if counts["last_run"]:
        counts["last_run"]["state"] = _exit_state(counts["last_run"])
    if as_json:
        print_json(counts)
    else:
        _print_counts(counts)


def _print_counts(counts: dict) -> None:
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
    if counts.get("notes"):
        click.echo(f"Notes ({len(counts['notes'])}):")
        for f in counts["notes"]:
            click.echo(f"  {f['reason']:<14} {f['error'] or f['path']}")
    if counts["last_run"]:
        click.echo(_last_run_line(counts["last_run"]))
    last = (counts["last_run"] or {}).get("summary") or {}
    if last.get("skipped"):
        click.echo("Not indexed at the last run: " + ", ".join(
            f"{e['path']} ({e['reason']})" for e in last.get("skipped_paths", [])))


def _exit_state(run: dict) -> str:
    """How a recorded run ended, with the exit code `docket index` gave it."""
    summary = run.get("summary") or {}
    if not run.get("finished"):
        return "did not finish (killed, or still running)"
    state = summary.get("state") or ("interrupted" if summary.get("interrupted") else
                                      "finished")
    if state == "interrupted":
        return "interrupted (exit 130 or 143); rerun to resume"
    if state != "finished":
        return f"stopped by an error (exit 1): {summary.get('error')}"
    failed = sum((summary.get("failed") or {}).values())
    return f"finished with {failed} failed (exit 1)" if failed else "finished (exit 0)"


def _last_run_line(run: dict) -> str:
    s = run.get("summary") or {}
    took = f", took {format_duration(s['seconds'])}" if "seconds" in s else ""
    counts = ", ".join(f"{k} {s.get(k, 0)}" for k in ("added", "updated", "moved", "removed"))
    failed = sum((s.get("failed") or {}).values())
    return (f"Last run: started {run['started']}{took}; {counts}, failed {failed}, "
            f"{s.get('extracted', 0)} extracted; {_exit_state(run)}")


@click.command()
@click.argument("ref")
@var_option
@json_option
@click.option("--pages/--no-pages", default=True, help="Print the text page by page.")
def show(ref, var, as_json, pages):
    """Show one document by id, id prefix, SHA-256 or path: metadata, status, text by page.

    \b
    Example:
        docket show release/letters/letter-01.txt
    """
    catalog = open_catalog(load(var))
    with archive_errors():
        doc = catalog.document(catalog.resolve(ref), allow_gone=True)
    page_list = catalog.pages(doc.doc_id) if pages or as_json else []
    if as_json:
        print_json(document_json(doc, page_list)
                   | {"news": _news_json(coverage_for_document(catalog.conn, doc.doc_id))})
    else:
        _print_document(doc, page_list)


def _news_json(coverage) -> list[dict]:
    return [link_json(r) for r in coverage]


def _print_document(doc: Document, page_list: list[Page]) -> None:
    # Prose shows the stored title (none when the file had none), unlike the JSON's
    # display title.
    fields = document_json(doc, None) | {"title": doc.title}
    for key in SHOWN_FIELDS:
        if fields[key] not in (None, ""):
            click.echo(f"{key + ':':<12} {fields[key]}")
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
