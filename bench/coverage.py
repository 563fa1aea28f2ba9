"""Coverage: which files yield text in Docket and in Recoll's recollindex, file for file.

Copies the shared corpus (read-only) to a scratch folder, indexes the copy with `docket
index` (OCR on) and with `recollindex` (OCR on, every helper Debian has installed), then
prints one line per file and the totals. Usage:

    .venv/bin/python bench/coverage.py [--corpus /work/shared/corpus] [--jobs 2] [--scratch DIR]
        [--passwords bench/corpus-passwords.txt]

"Yields text" means the same for both: the extracted text of the file is not blank. A
container (zip, e-mail, mailbox, ...) yields text when the file itself or any member at any
depth does. For Recoll, the text is the start of each document's text it stored (its
abstract), read with its Python module from Debian's python3-recoll by the system Python.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from index_bench import recoll_config, timed  # noqa: E402

CORPUS = Path("/work/shared/corpus")
# Recoll's own switches for OCR of images and scanned PDFs (Tesseract, as Docket uses).
RECOLL_OCR = ("imgocr = 1\npdfocr = 1\nocrprogs = tesseract\n"
              "tesseractlang = ara+fas+urd+eng\ntesseractcmd = /usr/bin/tesseract\n")
# Run by the system Python, where Debian's recoll module lives: every document's url, ipath
# (member path inside a container, "" for the file itself) and whether its text is blank.
# Recoll stores the start of each document's text as its abstract (idxabsmlen, 250
# characters); its `dbytes` counts whitespace too, so a blank page would count as text.
RECOLL_LIST = """
import json, sys
from recoll import recoll
db = recoll.connect(confdir=sys.argv[1])
q = db.query()
n = q.execute("dir:" + sys.argv[2], stemming=0)
out = []
for _ in range(n):
    doc = q.fetchone()
    out.append([doc.url, doc.ipath or "", bool((doc.abstract or "").strip()),
                doc.mimetype or ""])
json.dump(out, sys.stdout)
"""


def top_files(folder: Path) -> list[str]:
    """Every file of the collection, relative to it (hidden ones too, as Docket indexes)."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def docket_yields(var: Path) -> dict[str, tuple[bool, str]]:
    """Per top-level file: whether it or a member has text, and Docket's status or reason."""
    conn = sqlite3.connect(var / "catalog.sqlite")
    with_text = {doc_id for doc_id, blob in conn.execute("SELECT doc_id, text FROM pages")
                 if zlib.decompress(blob).decode("utf-8").strip()}
    out: dict[str, tuple[bool, str]] = {}
    for path, root, doc_id, status, reason in conn.execute(
            "SELECT p.path, p.root_path, d.doc_id, d.status, d.reason "
            "FROM paths p JOIN documents d ON d.doc_id = p.doc_id"):
        has, why = out.get(root, (False, ""))
        if path == root:
            why = f"{status}: {reason}" if reason else status
            if status == "ok" and doc_id not in with_text:
                why = "ok: a recording without tags, or a container whose members hold no text"
        out[root] = (has or doc_id in with_text, why)
    return out


def recoll_yields(confdir: Path, folder: Path) -> dict[str, tuple[bool, str]]:
    """Per top-level file: whether Recoll stored text for it or any of its members."""
    proc = subprocess.run(["/usr/bin/python3", "-c", RECOLL_LIST, str(confdir), str(folder)],
                          capture_output=True, text=True, check=True)
    out: dict[str, tuple[bool, str]] = {}
    for url, ipath, text, mime in json.loads(proc.stdout):
        rel = url.removeprefix("file://").removeprefix(str(folder) + "/")
        has, what = out.get(rel, (False, ""))
        out[rel] = (has or text, what if ipath else mime)
    return out


def run(corpus: Path, scratch: Path, jobs: int) -> tuple[list[str], dict, dict]:
    folder = scratch / "corpus"
    var, confdir = scratch / "docket-var", scratch / "recoll-conf"
    for old in (folder, var, confdir / "xapiandb"):  # a kept scratch folder keeps only
        shutil.rmtree(old, ignore_errors=True)       # Recoll's OCR cache between runs
    shutil.copytree(corpus, folder, symlinks=True)
    print(f"indexing {folder} with docket ...", flush=True)
    d_sec, _, _ = timed([str(ROOT / ".venv/bin/docket"), "index", str(folder), "--var", str(var),
                         "-q", "--no-embeddings", "-j", str(jobs)])
    recoll_config(confdir, folder)
    with (confdir / "recoll.conf").open("a") as fh:
        fh.write(RECOLL_OCR)
    print(f"docket took {d_sec:.0f} s; indexing with recollindex ...", flush=True)
    # Recoll's filters start `python3` from PATH; Debian's helpers for them (python3-mutagen,
    # -chm, -rarfile, -py7zr, ...) live under /usr/bin/python3, so it goes first.
    env = {**os.environ, "PATH": f"/usr/bin:/bin:{os.environ.get('PATH', '')}"}
    r_sec, _, _ = timed(["recollindex", "-c", str(confdir), "-z"], env=env)
    print(f"recollindex took {r_sec:.0f} s", flush=True)
    return top_files(folder), docket_yields(var), recoll_yields(confdir, folder)


def report(files: list[str], docket: dict, recoll: dict) -> None:
    print(f"\n{'docket':<7} {'recoll':<7} file (docket status)")
    for rel in files:
        d, why = docket.get(rel, (False, "not catalogued"))
        r, _ = recoll.get(rel, (False, ""))
        print(f"{'text' if d else '-':<7} {'text' if r else '-':<7} {rel}"
              f"{'' if d else f'  ({why})'}")
    n = len(files)
    d_yes = [f for f in files if docket.get(f, (False,))[0]]
    r_yes = [f for f in files if recoll.get(f, (False,))[0]]
    only_recoll = sorted(set(r_yes) - set(d_yes))
    only_docket = sorted(set(d_yes) - set(r_yes))
    print(f"\n{n} files. Docket yields text from {len(d_yes)} ({100 * len(d_yes) / n:.1f}%), "
          f"Recoll from {len(r_yes)} ({100 * len(r_yes) / n:.1f}%); a container counts when "
          f"it or a member yields text.")
    print(f"\nRecoll reads, Docket does not ({len(only_recoll)}):")
    for rel in only_recoll:
        print(f"  {rel}  ({docket.get(rel, (False, 'not catalogued'))[1]})")
    print(f"\nDocket reads, Recoll does not ({len(only_docket)}):")
    for rel in only_docket:
        print(f"  {rel}")
    neither = [f for f in files if f not in d_yes and f not in r_yes]
    print(f"\nNeither reads ({len(neither)}):")
    for rel in neither:
        print(f"  {rel}  ({docket.get(rel, (False, 'not catalogued'))[1]})")


def with_passwords(scratch: Path, passwords: Path, files: list[str], before: dict) -> None:
    """Index the failed files again with a password list (`--retry-failed --passwords`) and
    print the totals with it, and the files it opened."""
    var = scratch / "docket-var"
    seconds, _, _ = timed([str(ROOT / ".venv/bin/docket"), "index", str(scratch / "corpus"),
                           "--var", str(var), "-q", "--no-embeddings", "--retry-failed",
                           "--passwords", str(passwords)])
    after = docket_yields(var)
    opened = [f for f in files if after.get(f, (False,))[0] and not before.get(f, (False,))[0]]
    n, read = len(files), sum(1 for f in files if after.get(f, (False,))[0])
    count = len([line for line in passwords.read_text("utf-8").splitlines() if line])
    print(f"\nWith the password list {passwords.name} ({count} passwords; the rerun took "
          f"{seconds:.0f} s): Docket yields text from {read} ({100 * read / n:.1f}%); "
          f"it opened {len(opened)}:")
    for rel in opened:
        print(f"  {rel}")
    locked = [f for f in files if not after.get(f, (False,))[0]
              and after.get(f, (False, ""))[1].endswith("encrypted")]
    print(f"\nStill encrypted ({len(locked)}):")
    for rel in locked:
        print(f"  {rel}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="folder to copy and index")
    parser.add_argument("--jobs", type=int, default=2, help="Docket workers")
    parser.add_argument("--scratch", type=Path,
                        help="scratch folder to keep; a rerun reuses Recoll's OCR cache in it "
                        "(default: a temporary folder)")
    parser.add_argument("--report-only", type=Path, metavar="DIR",
                        help="print the report of an earlier --scratch DIR run, indexing nothing")
    parser.add_argument("--passwords", type=Path, metavar="FILE",
                        help="then index the failed files again with this password list and "
                        "print the totals with it (bench/corpus-passwords.txt: the passwords "
                        "the fixtures' own test suites use)")
    args = parser.parse_args()
    if not shutil.which("recollindex"):
        sys.exit("recollindex not found: apt-get install recollcmd python3-recoll "
                 "(make bench does it)")
    if args.report_only:
        scratch = args.report_only
        files, docket = top_files(scratch / "corpus"), docket_yields(scratch / "docket-var")
        report(files, docket, recoll_yields(scratch / "recoll-conf", scratch / "corpus"))
    else:
        if args.scratch:
            args.scratch.mkdir(parents=True, exist_ok=True)
        scratch = args.scratch or Path(tempfile.mkdtemp(prefix="docket-coverage-"))
        files, docket, recoll = run(args.corpus, scratch, args.jobs)
        report(files, docket, recoll)
    if args.passwords:
        with_passwords(scratch, args.passwords.resolve(), files, docket)
    if not args.scratch and not args.report_only:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
