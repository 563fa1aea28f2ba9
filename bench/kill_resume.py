"""kill -9 at seeded random moments in every phase, resume, and compare with a clean run.

The collection is the sample release plus --extra generated letters. A clean archive is
built first (index, rebuild, news add). Then each round starts a fresh archive and walks the
same commands, killing the process group with SIGKILL once per chosen phase:

    extraction   when the catalog holds a random number of the documents
    index sync   when every document is in the catalog and some are not yet indexed
    embedding    when a random number of documents have their sentence vectors
    rebuild      a random moment into `docket index --rebuild-index`
    news add     a random moment into `docket news add sample_docs/news`

After each kill: the catalog must open (integrity check) and no process of the run may
outlive it by 10 s; then the same command runs again, as the README says to. At the end of
each round the archive must equal the clean one: documents, paths, pages, vectors, the links
shown (their scores within LINK_TOLERANCE), the index and the result sets of 50 queries.
Usage:

    .venv/bin/python bench/kill_resume.py                   # 50 kills, 10 rounds
    .venv/bin/python bench/kill_resume.py --kills 3 --extra 120 --phases extraction,embedding,news
"""

from __future__ import annotations

import argparse
import hashlib
import random
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reliability import (  # noqa: E402
    ROOT,
    Watch,
    docket_env,
    finish,
    kill_group,
    kill_pids,
    read_catalog,
    start,
    wait_gone,
)

# Link scores may move a little after a kill: the similarity layer scores against the
# nearest neighbours in the HNSW vector index, whose approximate answers depend on the order
# documents were added to it (measured: up to 0.004 of 1, the shown links unchanged).
LINK_TOLERANCE = 0.02
PHASES = ("extraction", "index sync", "embedding", "rebuild", "news")
SAMPLE = ROOT / "sample_docs" / "release"
NEWS = ROOT / "sample_docs" / "news"
WORDS = ("letter courier library caravan winter market garden river school medicine brother "
         "message family house money window المكتبة الرسالة القافلة الشتاء المدرسة").split()


def make_collection(folder: Path, extra: int, seed: int) -> None:
    shutil.copytree(SAMPLE, folder)
    rng = random.Random(seed)
    for i in range(extra):
        sub = folder / "generated" / f"box-{i % 8}"
        sub.mkdir(parents=True, exist_ok=True)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(40, 400)))
        (sub / f"letter-{i:05d}.txt").write_text(f"{text}\nnumber {i}\n", encoding="utf-8")


def commands(folder: Path, var: Path) -> dict[str, list[str]]:
    index = ["index", str(folder), "--var", str(var), "-q", "--no-ocr", "-j", "2"]
    return {"index": index, "rebuild": [*index, "--rebuild-index"],
            "news": ["news", "add", str(NEWS), "--var", str(var)]}


def state(var: Path) -> tuple[int, int, int]:
    """(documents, documents not yet indexed, documents with vectors)."""
    rows = read_catalog(var, "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) FROM "
                        "documents WHERE indexed = 0), (SELECT COUNT(DISTINCT doc_id) FROM "
                        "chunks)")
    return rows[0] if rows else (0, 0, 0)


class Runner:
    """Runs docket commands in a scratch folder, killing some, recording what each kill left."""

    def __init__(self, work: Path, rng: random.Random):
        self.work, self.rng = work, rng
        self.env = docket_env(work / "tmp")
        self.kills: list[dict] = []

    def run(self, args: list[str]) -> float:
        began = time.monotonic()
        proc = start(args, self.env, self.work / "cwd")
        out, err = proc.communicate()
        if proc.returncode not in (0, 1):
            raise RuntimeError(f"docket {' '.join(args[:2])} exited {proc.returncode}: "
                               f"{err.decode(errors='replace')[-1500:]}")
        return time.monotonic() - began

    def kill_when(self, args: list[str], var: Path, phase: str, ready) -> None:
        """Start a command and kill -9 its group once `ready(elapsed, state)` says so; then
        check what it left (the caller runs the same command again)."""
        began = time.monotonic()
        proc = start(args, self.env, self.work / "cwd")
        watch = Watch(proc.pid, every=0.02)
        landed = None
        while proc.poll() is None:
            now = state(var)
            if ready(time.monotonic() - began, now):
                time.sleep(self.rng.uniform(0, 0.05))
                landed = state(var)
                kill_group(proc)
                break
            time.sleep(0.02)
        killed_at = time.time()
        watch.stop()
        exit_code = None
        if landed is None:
            proc.communicate()
            exit_code = proc.returncode
        orphans = wait_gone(watch.pids - {proc.pid}, killed_at, 10.0) if landed else []
        kill_pids(orphans)
        self.kills.append({"phase": phase, "landed": landed is not None,
                           "at_seconds": round(time.monotonic() - began, 2),
                           "state": landed, "catalog_ok": catalog_opens(var),
                           "orphans": len(orphans), "exit_code": exit_code})


def catalog_opens(var: Path) -> bool:
    from archive.catalog import Catalog

    path = var / "catalog.sqlite"
    if not path.exists():
        return True  # killed before it was made: nothing to open yet
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
        ok = conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
        Catalog(path).close()
        return ok
    except (sqlite3.Error, Exception):  # any failure to open counts, whatever it raises
        return False


def fingerprint(var: Path, queries: list[str]) -> dict:
    """What must be the same after any kills: catalog rows, vectors, links, result sets."""
    from archive.config import Settings
    from archive.engines import open_index
    from archive.model import SearchRequest

    def digest(sql: str) -> str:
        h = hashlib.sha256()
        for row in read_catalog(var, sql):
            h.update(repr(row).encode())
        return h.hexdigest()[:16]

    index = open_index(Settings(var=var))
    return {
        "documents": digest("SELECT doc_id, sha256, status, reason, title, page_count, "
                            "languages, parent_id, indexed FROM documents ORDER BY doc_id"),
        "paths": digest("SELECT path, doc_id FROM paths ORDER BY path"),
        "pages": digest("SELECT doc_id, n, text FROM pages ORDER BY doc_id, n"),
        "vectors": digest("SELECT doc_id, n, page, length(vector) FROM chunks "
                          "ORDER BY doc_id, n"),
        # The links an article shows; their scores are compared apart, with a tolerance.
        "links": digest("SELECT news_id, doc_id FROM news_links WHERE above = 1 "
                        "ORDER BY news_id, doc_id"),
        "counts": read_catalog(var, "SELECT (SELECT COUNT(*) FROM documents), (SELECT COUNT(*) "
                               "FROM pages), (SELECT COUNT(*) FROM chunks), (SELECT COUNT(*) "
                               "FROM news_links WHERE above = 1)")[0],
        "index_ids": hashlib.sha256(repr(sorted(index.doc_ids())).encode()).hexdigest()[:16],
        "results": {q: sorted(h.doc_id for h in index.search_all(SearchRequest(q)))
                    for q in queries},
    }


def link_scores(var: Path) -> dict[tuple[str, str], float]:
    return {(n, d): s for n, d, s in read_catalog(
        var, "SELECT news_id, doc_id, score FROM news_links WHERE above = 1")}


def score_drift(clean: dict, got: dict) -> float:
    """The largest change of a shown link's score (links present on both sides)."""
    return max((abs(clean[key] - got[key]) for key in clean.keys() & got.keys()), default=0.0)


def pick_queries(var: Path, rng: random.Random, n: int = 50) -> list[str]:
    """Words of the clean archive's titles and the fixed vocabulary, and a few two-word ANDs."""
    titles = [t for (t,) in read_catalog(var, "SELECT title FROM documents WHERE title != ''")]
    words = sorted({w for t in titles for w in t.split() if len(w) > 3 and w.isalpha()})
    pool = sorted(set(WORDS) | set(words))
    out = [rng.choice(pool) for _ in range(n - 10)]
    out += [f"{rng.choice(pool)} OR {rng.choice(pool)}" for _ in range(10)]
    return out


def round_plan(phases: list[str], kills: int) -> list[list[str]]:
    """The kills split into rounds, each round the phases in the order the commands meet them."""
    rounds, left = [], kills
    while left > 0:
        take = phases[:left]
        rounds.append([p for p in PHASES if p in take])
        left -= len(take)
    return rounds


def one_round(runner: Runner, folder: Path, var: Path, phases: list[str], clean: dict) -> None:
    # Each index kill is followed by the same command, killed again in the next phase; the
    # targets lie ahead of what the archive already holds, so each kill falls in its phase.
    cmd, rng = commands(folder, var), runner.rng
    docs, embedded = clean["documents"], clean["embedded"]
    if "extraction" in phases:
        target = rng.randint(1, max(1, docs - 2))
        runner.kill_when(cmd["index"], var, "extraction", lambda t, s: s[0] >= target)
    if "index sync" in phases:
        runner.kill_when(cmd["index"], var, "index sync",
                         lambda t, s: s[0] >= docs and s[1] > 0)
    if "embedding" in phases:
        target = rng.randint(min(state(var)[2] + 1, embedded), max(1, embedded - 1))
        runner.kill_when(cmd["index"], var, "embedding",
                         lambda t, s: s[0] >= docs and s[2] >= target)
    runner.run(cmd["index"])  # the rest of the index run
    # Rebuild and news add: a random moment within the clean run's own duration (the
    # start-up of the command included: a kill there must be harmless too).
    for phase, name in (("rebuild", "rebuild"), ("news", "news add")):
        if phase in phases:
            moment = rng.uniform(0.2, max(0.3, clean[f"{phase}_seconds"] * 0.6))
            runner.kill_when(cmd[phase], var, name, lambda t, s, m=moment: t >= m)
        runner.run(cmd[phase])


def run(kills: int, seed: int, work: Path, extra: int, phases: list[str]) -> dict:
    """Build the clean archive, run the rounds of kills, compare; returns the figures."""
    rng = random.Random(seed)
    folder = work / "collection"
    make_collection(folder, extra, seed)
    runner = Runner(work, rng)
    clean_var = work / "clean"
    cmd = commands(folder, clean_var)
    clean = {"index_seconds": runner.run(cmd["index"]),
             "rebuild_seconds": runner.run(cmd["rebuild"]),
             "news_seconds": runner.run(cmd["news"])}
    clean["documents"], _, clean["embedded"] = state(clean_var)
    queries = pick_queries(clean_var, rng)
    expected, scores = fingerprint(clean_var, queries), link_scores(clean_var)
    differences, drift = [], 0.0
    rounds = round_plan(phases, kills)
    for number, chosen in enumerate(rounds):
        var = work / f"round-{number}"
        one_round(runner, folder, var, chosen, clean)
        got = fingerprint(var, queries)
        differences += [f"round {number}: {key} differs" for key in expected
                        if got[key] != expected[key]]
        drift = max(drift, score_drift(scores, link_scores(var)))
        shutil.rmtree(var, ignore_errors=True)
    return {"kills": runner.kills, "rounds": len(rounds), "clean": clean,
            "clean_counts": expected["counts"], "queries": len(queries),
            "differences": differences, "link_score_drift": round(drift, 4)}


def holds(report: dict) -> list[str]:
    broken = list(report["differences"])
    if report["link_score_drift"] > LINK_TOLERANCE:
        broken.append(f"a link's score moved by {report['link_score_drift']}")
    for k in report["kills"]:
        if not k["catalog_ok"]:
            broken.append(f"the catalog did not open after a kill in {k['phase']}")
        if k["orphans"]:
            broken.append(f"{k['orphans']} processes outlived a kill in {k['phase']} by 10 s")
    return broken


def print_report(report: dict) -> None:
    clean = report["clean"]
    docs, pages, vectors, links = report["clean_counts"]
    print(f"clean run: {docs} documents, {pages} pages, {vectors} vectors, {links} links; "
          f"index {clean['index_seconds']:.1f} s, rebuild {clean['rebuild_seconds']:.1f} s, "
          f"news add {clean['news_seconds']:.1f} s")
    by_phase: dict[str, list[dict]] = {}
    for k in report["kills"]:
        by_phase.setdefault(k["phase"], []).append(k)
    for phase, ks in by_phase.items():
        landed = [k for k in ks if k["landed"]]
        print(f"  {phase:<11} {len(landed)}/{len(ks)} kills landed (the rest finished first); "
              f"catalog opened after {sum(k['catalog_ok'] for k in ks)}; orphans "
              f"{sum(k['orphans'] for k in ks)}; moments "
              + ", ".join(f"{k['at_seconds']}s" for k in landed[:6]))
    print(f"{report['rounds']} rounds compared with the clean run over {report['queries']} "
          f"queries: {len(report['differences'])} differences "
          f"{report['differences'] or ''}; largest change of a shown link's score "
          f"{report['link_score_drift']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--extra", type=int, default=600, help="generated letters to add")
    parser.add_argument("--phases", default=",".join(PHASES),
                        help="comma-separated: " + ", ".join(PHASES))
    parser.add_argument("--work", type=Path, help="scratch folder (default: a new temp one)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    unknown = set(phases) - set(PHASES)
    if unknown:
        parser.error(f"unknown phases {sorted(unknown)}")
    work = args.work or Path(tempfile.mkdtemp(prefix="docket-kills-"))
    try:
        report = run(args.kills, args.seed, work, args.extra, phases)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return finish(report, args.json, print_report, holds)


if __name__ == "__main__":
    sys.exit(main())
