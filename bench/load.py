"""Load on `docket serve` with a normal and a hostile query mix, optionally during a reindex
or a rebuild.

Starts `docket serve` (waitress, as in production) on a free 127.0.0.1 port for --var, then
runs --clients threads with keep-alive connections, each for --seconds or --requests (the
loop is always bounded), over normal requests (searches in HTML and JSON, with filters,
document pages and their JSON, "more like this", the overview) and, one request in
--hostile-every, a hostile query (field wildcards, many fuzzy terms, huge OR lists, long
queries, broad prefixes, deep phrase slop). With --during reindex, `docket index` runs again
and again meanwhile, adding and then removing a folder of new letters in the collection
(so each run has work, and the archive records their former paths); with --during rebuild,
`docket index --rebuild-index` runs in a loop. Prints p50/p95/p99 for normal and hostile
requests, refusals, server errors and requests/second. Usage:

    .venv/bin/python bench/load.py --var var --clients 16 --seconds 60
    .venv/bin/python bench/load.py --var var --clients 64 --seconds 60 --during reindex
"""

from __future__ import annotations

import argparse
import http.client
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reliability import docket_command, docket_env, free_port  # noqa: E402

WORDS = ["المكتبة", "الرسالة", "library", "courier", "التعليم", "report", "مدرسه", "تعلیم",
         "committee", "الدواء", "letters", "winter", "bin Laden", "caravan"]
FUZZY = " ".join(f"{w}~2" for w in ("library", "letter", "courier", "school", "winter",
                                     "market", "garden", "river", "window", "family") * 3)
HOSTILE = ["title:*", "path:* OR title:* OR author:*", "lang:*", "*a*", "library OR *", FUZZY,
           "libary~2 comitee~2 leter~2 curier~2 scool~2", " OR ".join(f"w{i}" for i in range(290)),
           "x" * 999, "li*", "al*", "ال*", '"the library"~1000', "content:[a TO z]",
           "title:[a TO zzzz]", " ".join(["library"] * 290), "(((((((((library)))))))))",
           "date:[1900 TO 2100] OR lang:ar OR type:pdf"]


def normal_paths(var: Path, rng: random.Random) -> list[str]:
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute("SELECT doc_id FROM documents WHERE present = 1 AND "
                                      "page_count > 0 ORDER BY doc_id LIMIT 400")]
    conn.close()
    rng.shuffle(ids)
    out = ["/"]
    for word in WORDS:
        q = urllib.parse.quote(word)
        out += [f"/search?q={q}", f"/search.json?q={q}", f"/search?q={q}&f=lang:ar",
                f"/search?q={q}&sort=-date&page=2"]
    for doc_id in ids[:60]:
        out += [f"/d/{doc_id}", f"/d/{doc_id}.json"]
    out += [f"/d/{doc_id}/similar" for doc_id in ids[:10]]
    rng.shuffle(out)
    return out


def hostile_paths() -> list[str]:
    return [f"/search{ext}?q={urllib.parse.quote(q)}" for q in HOSTILE
            for ext in ("", ".json")]


@dataclass
class Tally:
    """What the clients saw, by kind of request."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"normal": [],
                                                                       "hostile": []})
    slowest: list[tuple[float, str]] = field(default_factory=list)
    routes: dict[str, list[float]] = field(default_factory=dict)  # normal requests, by route
    refused: int = 0  # hostile requests answered 400 (refused) or 429 (busy) with a message
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


def route_of(path: str) -> str:
    """What a normal request asks, for the per-route figures: "/search?f=", "/d/.json", ..."""
    base, _, query = path.partition("?")
    if base.startswith("/d/"):
        return "/d/similar" if base.endswith("/similar") else \
            "/d/<id>.json" if base.endswith(".json") else "/d/<id>"
    extras = sorted(k for k, _ in urllib.parse.parse_qsl(query) if k != "q")
    return base + ("?" + "&".join(extras) if extras else "")


def fetch(conn: http.client.HTTPConnection, path: str) -> int:
    conn.request("GET", path)
    response = conn.getresponse()
    response.read()
    return response.status


def client(port: int, plan: list[tuple[str, str]], stop: float, limit: int, tally: Tally,
           offset: int) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    seen: list[tuple[str, float, str]] = []
    refused, errors = 0, []
    for n in range(limit):
        if time.monotonic() >= stop:
            break
        kind, path = plan[(offset + n) % len(plan)]
        began = time.perf_counter()
        try:
            status = fetch(conn, path)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__} {path}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            continue
        seen.append((kind, time.perf_counter() - began, path))
        if status in (400, 429) and kind == "hostile":  # refused, or busy: try again
            refused += 1
        elif status >= 500 or (status >= 400 and kind == "normal"):
            errors.append(f"{status} {path}")
    conn.close()
    with tally.lock:
        for kind, seconds, path in seen:
            tally.latencies[kind].append(seconds)
            tally.slowest.append((seconds, path))
            if kind == "normal":
                tally.routes.setdefault(route_of(path), []).append(seconds)
        tally.slowest = sorted(tally.slowest, reverse=True)[:5]
        tally.refused += refused
        tally.errors += errors


class Background:
    """A reindex or rebuild loop beside the load, stopped when the load ends."""

    def __init__(self, what: str, var: Path, env: dict[str, str]):
        self.what, self.var, self.env = what, var, env
        self.runs, self.failed = 0, []
        self._stop = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def collection(self) -> Path:
        conn = sqlite3.connect(f"file:{self.var / 'catalog.sqlite'}?mode=ro", uri=True)
        row = conn.execute("SELECT folder FROM runs ORDER BY run_id DESC LIMIT 1").fetchone()
        conn.close()
        return Path(row[0])

    def start(self) -> None:
        self.folder = self.collection()
        self._thread.start()

    def _loop(self) -> None:
        extra = self.folder / "load-reindex"
        while not self._stop.is_set():
            args = ["index", str(self.folder), "--var", str(self.var), "-q", "--no-ocr",
                    "--no-embeddings", "-j", "1"]
            if self.what == "rebuild":
                args.append("--rebuild-index")
            elif self.runs % 2 == 0:
                extra.mkdir(exist_ok=True)
                for i in range(50):
                    (extra / f"new-{i}.txt").write_text(f"load letter {i} library {self.runs}")
            else:
                shutil.rmtree(extra, ignore_errors=True)
            self._proc = subprocess.Popen(docket_command(*args), env=self.env,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            _, err = self._proc.communicate()
            stopped = self._stop.is_set() and self._proc.returncode in (130, 143, -15)
            if self._proc.returncode not in (0, 1, -9) and not stopped:
                self.failed.append(err.decode(errors="replace")[-300:])
            self.runs += 1
        shutil.rmtree(extra, ignore_errors=True)

    def stop(self) -> None:
        """End the loop with the load: a run still going (a rebuild of a large archive takes
        many minutes) is stopped with SIGTERM, as an operator would, and awaited."""
        self._stop.set()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
        self._thread.join()


def serve(var: Path, port: int, threads: int, env: dict[str, str],
          processes: int = 1) -> subprocess.Popen:
    server = subprocess.Popen(docket_command("serve", "--var", str(var), "--port", str(port),
                                             "--threads", str(threads),
                                             "--processes", str(processes)), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            if server.poll() is not None:
                raise RuntimeError("docket serve did not start") from None
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("docket serve did not listen within 60 s")


def run(var: Path, clients: int, seconds: float, requests: int, hostile_every: int = 5,
        threads: int = 8, during: str | None = None, seed: int = 14,
        processes: int = 1) -> dict:
    """Serve `var`, load it, return the figures (latencies in seconds)."""
    rng = random.Random(seed)
    normal, hostile = normal_paths(var, rng), hostile_paths()
    plan = [("hostile", hostile[n // hostile_every % len(hostile)]) if n % hostile_every == 0
            else ("normal", normal[n % len(normal)]) for n in range(len(normal) * 2)]
    env = docket_env()
    port = free_port()
    server = serve(var, port, threads, env, processes)
    warm = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    fetch(warm, "/search?q=library")  # the first search builds the facet sets
    warm.close()
    background = Background(during, var, env) if during else None
    tally = Tally()
    try:
        if background:
            background.start()
        stop = time.monotonic() + seconds
        workers = [threading.Thread(target=client, args=(port, plan, stop, requests, tally,
                                                         rng.randrange(len(plan))))
                   for _ in range(clients)]
        began = time.monotonic()
        for t in workers:
            t.start()
        for t in workers:
            t.join()
        elapsed = time.monotonic() - began
    finally:
        if background:
            background.stop()
        server.terminate()
        server.wait(30)
    done = sum(len(v) for v in tally.latencies.values())
    return {"clients": clients, "processes": processes, "seconds": round(elapsed, 1),
            "requests": done,
            "per_second": round(done / elapsed, 1) if elapsed else 0.0,
            "normal": percentiles(tally.latencies["normal"]),
            "hostile": percentiles(tally.latencies["hostile"]),
            "refused": tally.refused, "errors": tally.errors,
            "slowest": [(round(t, 3), urllib.parse.unquote(p)[:80]) for t, p in tally.slowest],
            "routes": {r: percentiles(v) for r, v in sorted(tally.routes.items())},
            "during": during, "background_runs": background.runs if background else 0,
            "background_failures": background.failed if background else []}


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    values = sorted(values)

    def pick(p: float) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 3)
    return {"count": len(values), "p50": pick(0.50), "p95": pick(0.95), "p99": pick(0.99),
            "max": round(values[-1], 3)}


def print_report(report: dict) -> None:
    during = f" during {report['during']} ({report['background_runs']} runs)" \
        if report["during"] else ""
    print(f"{report['clients']} clients, {report['processes']} server processes, "
          f"{report['seconds']} s{during}: {report['requests']} "
          f"requests, {report['per_second']} req/s, {len(report['errors'])} errors")
    for kind in ("normal", "hostile"):
        p = report[kind]
        print(f"  {kind:<8} n={p['count']:<6} p50 {p['p50'] * 1000:.0f} ms  p95 "
              f"{p['p95'] * 1000:.0f} ms  p99 {p['p99'] * 1000:.0f} ms  max "
              f"{p['max'] * 1000:.0f} ms")
    for route, p in report["routes"].items():
        print(f"    {route:<22} n={p['count']:<5} p50 {p['p50'] * 1000:.0f} ms  p99 "
              f"{p['p99'] * 1000:.0f} ms  max {p['max'] * 1000:.0f} ms")
    print(f"  hostile refused with a message (400, or 429 busy): {report['refused']}")
    print("  slowest: " + "; ".join(f"{t * 1000:.0f} ms {p}" for t, p in report["slowest"]))
    for line in report["errors"][:5] + report["background_failures"][:2]:
        print(f"  error: {line}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, default=Path("var"), help="archive to serve")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--requests", type=int, default=10**9, help="per client, at most")
    parser.add_argument("--hostile-every", type=int, default=5)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    parser.add_argument("--processes", type=int, default=1, help="docket serve processes")
    parser.add_argument("--during", choices=["reindex", "rebuild"])
    args = parser.parse_args(argv)
    if not (args.var / "catalog.sqlite").exists():
        parser.error(f"no archive in {args.var}: run `make index` first")
    report = run(args.var, args.clients, args.seconds, args.requests, args.hostile_every,
                 args.threads, args.during, processes=args.processes)
    print_report(report)
    return 1 if report["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
