"""Index a generated collection of hostile files and check that nothing aborts or leaks.

Writes at least --count entries in 25 families (bench/hostile_files.py: broken and bomb PDFs,
zip/7z/RAR/gzip/tar bombs, a 42.zip, corrupt media, wrong extensions, odd encodings, empty
files, a huge one-line text, a scan-like PDF, hostile names, links, fifos, deep folders,
XSS in metadata, formula cells, XML bombs, hostile mail, pixel bombs, broken office files,
good files), runs `docket index` on them and prints: entries per family with the reason
each was recorded with, wall time, the peak memory of any process of the run, whether
anything was written outside the archive folder or left in the temporary folder, and
whether the good files are all searchable. Exit code 1 when an invariant fails. Usage:

    .venv/bin/python bench/hostile.py                    # 400+ entries, full-size bombs
    .venv/bin/python bench/hostile.py --count 40 --small  # the quick version the tests run
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hostile_files import SEARCHABLE, generate, good_token  # noqa: E402
from reliability import (  # noqa: E402
    Watch,
    docket_env,
    finish,
    mib,
    start,
    tmp_listing,
    tree_listing,
)

from archive.filenames import readable_names  # noqa: E402


def catalog_rel(folder: Path, path: Path) -> str:
    """The path the catalog names an entry by: each segment read as the crawl reads it."""
    parts, parent = [], os.fsencode(folder)
    for segment in os.fsencode(path.relative_to(folder)).split(b"/"):
        names = os.listdir(os.fsdecode(parent))
        parts.append(readable_names(names).get(os.fsdecode(segment), os.fsdecode(segment)))
        parent = os.path.join(parent, segment)
    return "/".join(parts)


def recorded(made: dict[str, list[Path]], folder: Path, var: Path,
             summary: dict) -> tuple[dict[str, Counter], list[str]]:
    """Reasons per family (status `ok`, or the reason of a failure, an empty file or a
    skipped entry), and the entries recorded nowhere."""
    import sqlite3

    skipped = {e["path"]: e["reason"] for e in summary.get("skipped_paths", [])}
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    reasons: dict[str, Counter] = {}
    missing = []
    for family, paths in made.items():
        reasons[family] = Counter()
        for path in paths:
            rel = catalog_rel(folder, path)
            row = conn.execute("SELECT d.status, d.reason FROM paths p JOIN documents d "
                               "ON d.doc_id = p.doc_id WHERE p.path = ?", (rel,)).fetchone()
            if row:
                reasons[family][row[1] or row[0]] += 1
            elif rel in skipped:
                reasons[family][f"skipped: {skipped[rel]}"] += 1
            else:
                missing.append(f"{family}: {rel!r}")
    conn.close()
    return reasons, missing


def unfound_good_files(made: dict[str, list[Path]], var: Path, seed: int) -> list[str]:
    """The good files whose own word the search does not find."""
    from archive.config import Settings
    from archive.engines import open_index
    from archive.model import SearchRequest

    index = open_index(Settings(var=var))
    lost = []
    for family in SEARCHABLE:
        for i in range(len(made.get(family, []))):
            token = good_token(seed, family, i)
            if index.search(SearchRequest(token, aliases=False)).total < 1:
                lost.append(token)
    return lost


def run(count: int, seed: int, work: Path, big: bool, jobs: int = 2,
        time_limit: float = 120.0, embeddings: bool = False) -> dict:
    """Generate, index and check; returns the figures and the invariants' outcome."""
    folder, var = work / "collection", work / "var"
    private = {name: work / name for name in ("tmp", "home", "cwd")}
    started = time.monotonic()
    made = generate(folder, count, seed, big)
    generated = time.monotonic() - started
    before_tree, before_tmp = tree_listing(folder), tmp_listing()
    args = ["index", str(folder), "--var", str(var), "--json", "-q", "-j", str(jobs),
            "--time-limit", f"{time_limit:g}"] + ([] if embeddings else ["--no-embeddings"])
    began = time.monotonic()
    proc = start(args, docket_env(private["tmp"], private["home"]), private["cwd"])
    watch = Watch(proc.pid)
    out, err = proc.communicate()
    wall = time.monotonic() - began
    watch.stop()
    children_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    try:
        summary = json.loads(out)
    except ValueError:
        summary = {}
    reasons, missing = recorded(made, folder, var, summary) if summary else ({}, ["no run"])
    leftovers = {name: sorted(os.listdir(path)) for name, path in private.items()
                 if path.exists() and os.listdir(path)}
    return {
        "entries": sum(len(p) for p in made.values()), "families": len(made),
        "generate_seconds": round(generated, 1), "index_seconds": round(wall, 1),
        "exit_code": proc.returncode, "stderr_tail": err.decode(errors="replace")[-2000:],
        "peak_rss": max(watch.peak_rss, children_peak), "peak_process": watch.peak_name,
        "reasons": {f: dict(c) for f, c in reasons.items()}, "unrecorded": missing,
        "collection_changed": tree_listing(folder) != before_tree,
        "left_in_private_folders": leftovers,
        "new_in_tmp": sorted(tmp_listing() - before_tmp),
        "good_not_found": unfound_good_files(made, var, seed) if summary else ["no run"],
        "summary_failed": summary.get("failed", {}), "summary_skipped": summary.get("skipped"),
    }


def holds(report: dict) -> list[str]:
    """The invariants that failed (an empty list when all hold)."""
    broken = []
    if report["exit_code"] not in (0, 1):
        broken.append(f"docket index exited {report['exit_code']}: {report['stderr_tail']}")
    if report["unrecorded"]:
        broken.append(f"recorded nowhere: {report['unrecorded']}")
    if report["collection_changed"]:
        broken.append("the run changed the collection folder")
    if report["left_in_private_folders"]:
        broken.append(f"left behind: {report['left_in_private_folders']}")
    if report["good_not_found"]:
        broken.append(f"good files not found: {report['good_not_found']}")
    return broken


def print_report(report: dict) -> None:
    print(f"{report['entries']} entries in {report['families']} families "
          f"(generated in {report['generate_seconds']} s)")
    for family, reasons in report["reasons"].items():
        shown = ", ".join(f"{n} {r}" for r, n in sorted(reasons.items()))
        print(f"  {family:<16} {sum(reasons.values()):>4}  {shown}")
    print(f"docket index: exit {report['exit_code']}, {report['index_seconds']} s wall, "
          f"peak memory of one process {mib(report['peak_rss'])} ({report['peak_process']})")
    print(f"unrecorded entries: {len(report['unrecorded'])}; collection changed: "
          f"{report['collection_changed']}; left in private tmp/home/cwd: "
          f"{report['left_in_private_folders'] or 'nothing'}")
    print(f"new entries in /tmp during the run (other users' included): "
          f"{report['new_in_tmp'] or 'none'}")
    print(f"good files not found by search: {report['good_not_found'] or 'none'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--small", action="store_true", help="quick bombs (for the tests)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--time-limit", type=float, default=120.0)
    parser.add_argument("--embeddings", action="store_true", help="also embed (slower)")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new temp one)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="docket-hostile-"))
    try:
        report = run(args.count, args.seed, work, not args.small, args.jobs, args.time_limit,
                     args.embeddings)
    finally:
        if not args.keep and args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return finish(report, args.json, print_report, holds)


if __name__ == "__main__":
    sys.exit(main())
