"""Load on the site: N concurrent clients on loopback against `docket serve` (waitress).

Starts `docket serve` on a free loopback port for the given archive, then runs --clients
threads with keep-alive connections for --seconds, cycling through the overview, searches
(HTML and JSON, with facets and snippets), document pages and their JSON twins. Prints
requests/second, p50/p99 latency, the error count and the server's peak resident memory. Usage:

    .venv/bin/python bench/web_bench.py --var var                        # the demo archive
    .venv/bin/python bench/web_bench.py --var bench/out/search-100000     # 100,000 documents

The request loop is bounded in time and only talks to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from reliability import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WORDS = ["المكتبة", "الرسالة", "library", "courier", "التعليم", "report", "مدرسه", "تعلیم",
         "committee", "الدواء", "letters", "winter"]


def urls(var: Path, rng: random.Random) -> list[str]:
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    ids = [r[0] for r in conn.execute(
        "SELECT doc_id FROM documents WHERE present = 1 AND page_count > 0 "
        "ORDER BY random() LIMIT 200")]
    conn.close()
    out = ["/"]
    for word in WORDS:
        q = urllib.parse.quote(word)
        out += [f"/search?q={q}", f"/search.json?q={q}", f"/search?q={q}&f=lang:ar"]
    for doc_id in ids:
        out += [f"/d/{doc_id}", f"/d/{doc_id}.json"]
    rng.shuffle(out)
    return out


failures: list[str] = []


def peak_rss_mb(pid: int) -> float:
    """The server's peak resident memory so far (Linux: VmHWM), in MB; 0 when unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def client(port: int, paths: list[str], deadline: float, results: list, lock) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    local, i = [], random.randrange(len(paths))
    while time.monotonic() < deadline:
        path = paths[i % len(paths)]
        i += 1
        started = time.perf_counter()
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status < 500
            if not ok:
                failures.append(f"{response.status} {path}")
        except (OSError, http.client.HTTPException) as exc:
            ok = False
            failures.append(f"{type(exc).__name__} {path}")
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        local.append((time.perf_counter() - started, ok))
    conn.close()
    with lock:
        results.extend(local)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--var", type=Path, default=ROOT / "var", help="archive to serve")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--threads", type=int, default=8, help="waitress threads")
    args = parser.parse_args()
    if not (args.var / "catalog.sqlite").exists():
        sys.exit(f"No archive in {args.var}: run `make index` or bench/search_bench.py first")
    port = free_port()
    server = subprocess.Popen([str(ROOT / ".venv/bin/docket"), "serve", "--var", str(args.var),
                               "--port", str(port), "--threads", str(args.threads)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        paths = urls(args.var, random.Random(5))
        results: list[tuple[float, bool]] = []
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=client, args=(port, paths, deadline, results, lock))
                   for _ in range(args.clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.monotonic() - started
        peak = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(10)
    latencies = sorted(r[0] for r in results)
    errors = sum(1 for r in results if not r[1])
    pick = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    print(f"archive {args.var}: {len(paths)} distinct URLs, {args.clients} clients, "
          f"{args.seconds:.0f} s, waitress {args.threads} threads")
    print(f"requests {len(results)}  req/s {len(results) / elapsed:.1f}  "
          f"p50 {pick(0.5):.0f} ms  p99 {pick(0.99):.0f} ms  errors {errors}  "
          f"server peak RSS {peak:.0f} MB")
    for failure in failures[:5]:
        print(f"  failed: {failure}")


if __name__ == "__main__":
    main()
