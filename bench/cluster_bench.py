"""Extraction on a Dask cluster on loopback against a local run: the overhead of the cluster.

Generates a collection (index_bench's mix: 60% text, 20% HTML, 20% PDF; or with --generator
the shared corpus generator's plain text), indexes it once locally with --jobs workers, then
starts a real `dask scheduler` and --workers one-thread `dask worker`s on 127.0.0.1 (each in
a session of its own, stopped by PID) and indexes it again through them with --scheduler.
Both runs use the same flags (--no-ocr, and --no-embeddings unless --embeddings: the
embedding phase is the same in both and only dilutes the difference). Prints, for each run,
wall and CPU seconds, documents/second and peak memory (summed RSS of the docket process
tree; for the cluster plus the peaks of the scheduler's and the workers' trees), the
overhead per file in ms, and checks that both catalogs hold the same documents with the
same statuses. Usage:

    .venv/bin/python bench/cluster_bench.py --n 2000 [--workers 2] [--out /scratch/cluster]
    .venv/bin/python bench/cluster_bench.py --generator 10000 --out /scratch/cluster

Run it on a quiet machine: both runs compete for the same cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from index_bench import GENERATOR, Measured, PeakMemory, collection  # noqa: E402

DASK = ROOT / ".venv/bin/dask"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_cpu(root: int) -> float:
    """CPU seconds of a live process tree: each process's own and its reaped children's."""
    children: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(stat[1]), []).append(int(entry))
        cpu[int(entry)] = sum(int(x) for x in stat[11:15]) / tick  # utime stime cutime cstime
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(children.get(pid, []))
    return total


class LoopbackCluster:
    """`dask scheduler` and one-thread `dask worker`s on 127.0.0.1, each in its own session."""

    def __init__(self, workers: int):
        self.address = f"tcp://127.0.0.1:{free_port()}"
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        port = self.address.rsplit(":", 1)[1]
        self.procs = [self._start(["scheduler", "--host", "127.0.0.1", "--port", port,
                                   "--no-dashboard"], env)]
        self.procs += [self._start(["worker", self.address, "--nthreads", "1",
                                    "--memory-limit", "0", "--no-dashboard"], env)
                       for _ in range(workers)]
        self.memory = [PeakMemory(p.pid) for p in self.procs]
        self._wait(workers)

    @staticmethod
    def _start(args: list[str], env: dict) -> subprocess.Popen:
        return subprocess.Popen([str(DASK), *args], cwd=ROOT, env=env, start_new_session=True,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def _wait(self, workers: int) -> None:
        from distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                client = Client(self.address, timeout=5, set_as_default=False)
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("the Dask scheduler did not start within 120 s")
        try:
            client.wait_for_workers(workers, timeout=120)
        finally:
            client.close()

    def cpu(self) -> float:
        return sum(tree_cpu(p.pid) for p in self.procs)

    def stop(self) -> tuple[int, int]:
        """Stops everything by PID; the peak memory of the scheduler and of the workers."""
        peaks = [m.stop() for m in self.memory]
        for proc in self.procs:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(30)
        return peaks[0], sum(peaks[1:])


def statuses(var: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(f"file:{var / 'catalog.sqlite'}?mode=ro", uri=True)
    rows = {r[0]: tuple(r[1:]) for r in conn.execute(
        "SELECT doc_id, status, kind, page_count, languages FROM documents")}
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--n", type=int, default=2_000, help="files in index_bench's mix")
    parser.add_argument("--generator", type=int, metavar="N",
                        help="use the shared corpus generator's first N documents instead")
    parser.add_argument("--generator-script", type=Path, default=GENERATOR / "make_corpus.py")
    parser.add_argument("--workers", type=int, default=os.cpu_count(),
                        help="Dask workers (one thread each); the local run uses as many jobs")
    parser.add_argument("--embeddings", action="store_true", help="keep the embedding phase")
    parser.add_argument("--out", type=Path, default=HERE / "out" / "cluster",
                        help="scratch folder (default: bench/out/cluster)")
    args = parser.parse_args()
    if not DASK.exists():
        sys.exit(f"{DASK} not found: run `make setup` first")
    args.out.mkdir(parents=True, exist_ok=True)
    folder, what = collection(args)
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    flags = ["-q", "--json", "--no-ocr", *([] if args.embeddings else ["--no-embeddings"])]
    local_var, dask_var = args.out / "local-var", args.out / "dask-var"
    for var in (local_var, dask_var):
        shutil.rmtree(var, ignore_errors=True)
    docket = str(ROOT / ".venv/bin/docket")
    print(f"{files} files ({what}); {args.workers} workers", flush=True)
    local = Measured([docket, "index", str(folder), "--var", str(local_var), "-j",
                      str(args.workers), *flags])
    cluster = LoopbackCluster(args.workers)
    before = cluster.cpu()
    try:
        remote = Measured([docket, "index", str(folder), "--var", str(dask_var),
                           "--scheduler", cluster.address, *flags])
        cluster_cpu = cluster.cpu() - before
    finally:
        scheduler_peak, workers_peak = cluster.stop()
    mb = 2**20
    print(f"\n{'run':<10}{'seconds':>9}{'docs/s':>8}{'CPU s':>8}{'peak MB':>9}")
    print(f"{'local':<10}{local.seconds:9.1f}{files / local.seconds:8.0f}{local.cpu:8.1f}"
          f"{local.peak / mb:9.0f}")
    print(f"{'dask':<10}{remote.seconds:9.1f}{files / remote.seconds:8.0f}"
          f"{remote.cpu + cluster_cpu:8.1f}"
          f"{(remote.peak + scheduler_peak + workers_peak) / mb:9.0f}"
          f"   (writer {remote.peak / mb:.0f}, scheduler {scheduler_peak / mb:.0f}, "
          f"workers {workers_peak / mb:.0f})")
    overhead = (remote.seconds - local.seconds) / files * 1000
    print(f"dask/local wall {remote.seconds / local.seconds:.2f}x, CPU "
          f"{(remote.cpu + cluster_cpu) / max(local.cpu, 1e-9):.2f}x; overhead "
          f"{overhead:.1f} ms per file")
    same = statuses(local_var) == statuses(dask_var)
    print("catalogs: " + ("the same documents, statuses, kinds, pages and languages" if same
                          else "DIFFERENT (see local-var and dask-var)"))
    if not same:
        sys.exit(1)


if __name__ == "__main__":
    main()
