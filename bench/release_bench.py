"""A whole release on one machine: Docket alone indexing a large generated collection.

Runs `docket index --json` on --files (the shared corpus generator's plain text, e.g. its
470,000 documents: ../shared/corpus-generator/make_corpus.py gen --n 470000 --files) into
--var, then the no-change rerun, and prints for each: documents, wall and CPU seconds
(every process of the run), documents/second, the peak memory of the whole process tree
(summed RSS, sampled every 50 ms), and each phase's wall seconds with the peak memory
during it. The extraction phase is also cut into tenths, each with its peak, so memory
that grows with the collection shows. Usage:

    .venv/bin/python bench/release_bench.py --files /scratch/gen470k/files \\
        --var /scratch/var470k --engine xapian --no-embeddings

Defaults: Docket's own defaults (Whoosh, embeddings on, one worker per core); --var must not
exist yet unless --rerun-only is given (then only the no-change rerun is timed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from index_bench import ROOT, Measured  # noqa: E402


def windows(phases: dict[str, float], seconds: float) -> list[tuple[str, float, float]]:
    """(phase, start, end) in seconds since the command started; the run's own clock starts
    after Python's start-up, which the first phase absorbs."""
    offset = max(0.0, seconds - sum(phases.values()))
    out, at = [], 0.0
    for i, (name, length) in enumerate(phases.items()):
        start = at
        at += length + (offset if i == 0 else 0.0)
        out.append((name, start, at))
    return out


def peak_between(run: Measured, start: float, end: float) -> int:
    """The highest sample in [start, end], or the last one before it (a phase shorter than
    the sampling interval)."""
    inside = [rss for t, rss in run.memory.samples if start <= t <= end]
    before = [rss for t, rss in run.memory.samples if t < start][-1:]
    return max(inside or before or [0])


def report(label: str, run: Measured) -> None:
    summary = run.summary()
    documents = summary["extracted"] or summary["unchanged"]
    mb = 2**20
    print(f"\n{label}: {documents} documents in {run.seconds:.1f} s wall, {run.cpu:.1f} CPU s, "
          f"{documents / run.seconds:.1f} documents/s, peak {run.peak / mb:.0f} MB "
          f"(whole process tree); searchable after {summary.get('searchable_seconds')} s")
    print(f"  failed {summary['failed']}, empty {summary['empty']}, indexed {summary['indexed']}, "
          f"embedded {summary['embedded']}")
    print(f"  {'phase':<14}{'seconds':>10}{'peak MB':>10}")
    for name, start, end in windows(summary.get("phases", {}), run.seconds):
        print(f"  {name:<14}{end - start:10.1f}{peak_between(run, start, end) / mb:10.0f}")
        if name == "extracting" and end - start > 10:
            tenth = (end - start) / 10
            peaks = [peak_between(run, start + i * tenth, start + (i + 1) * tenth) / mb
                     for i in range(10)]
            print("    by tenth of the phase: " + " ".join(f"{p:.0f}" for p in peaks))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--files", type=Path, required=True, help="the collection to index")
    parser.add_argument("--var", type=Path, required=True, help="the archive folder to make")
    parser.add_argument("--engine", choices=["whoosh", "xapian"], default="whoosh")
    parser.add_argument("--no-embeddings", action="store_true")
    parser.add_argument("--jobs", type=int, default=0, help="workers (0: one per core)")
    parser.add_argument("--rerun-only", action="store_true",
                        help="time only the no-change rerun of an existing --var")
    args = parser.parse_args()
    if args.var.exists() and not args.rerun_only:
        sys.exit(f"{args.var} exists: remove it, or pass --rerun-only")
    cmd = [str(ROOT / ".venv/bin/docket"), "index", str(args.files), "--var", str(args.var),
           "-q", "--json", "-j", str(args.jobs), "--engine", args.engine]
    if args.no_embeddings:
        cmd.append("--no-embeddings")
    print("$ " + " ".join(cmd), flush=True)
    if not args.rerun_only:
        report("full run", Measured(cmd))
    report("no-change rerun", Measured(cmd))


if __name__ == "__main__":
    main()
