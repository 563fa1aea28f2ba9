"""Peak memory of a command's whole process tree: RSS and PSS per process name and in all.

Samples every process descended from the command every 0.2 s, reading RSS and PSS from
/proc/<pid>/smaps_rollup (Linux), and prints the peak of each process name (as `ps` shows it,
so setproctitle names like `docket: extract` are counted apart) and of the tree's sum:

    python3 bench/proctree.py [--every 0.2] [--json] -- docket index FOLDER --var VAR
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

PROC = Path("/proc")


def children_of(root: int) -> list[int]:
    """`root` and every process descended from it that is alive now."""
    parents: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])  # the name may hold spaces and ")"
        parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(parents.get(pid, ()))
    return tree


def name_of(pid: int) -> str:
    """The process title (setproctitle's, else the command line), shortened to 40 characters."""
    try:
        raw = (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return "?"
    words = raw.rstrip(b"\0").split(b"\0")
    return b" ".join(words).decode(errors="replace")[:40] or "?"


def memory_of(pid: int) -> tuple[int, int] | None:
    """(RSS, PSS) of one process in bytes, or None once it is gone."""
    try:
        text = (PROC / str(pid) / "smaps_rollup").read_text()
    except OSError:
        return None
    values = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        if key in ("Rss", "Pss"):
            values[key] = int(rest.split()[0]) * 1024
    if "Rss" not in values:  # a zombie has an empty rollup
        return None
    return values["Rss"], values.get("Pss", values["Rss"])


def sample(root: int) -> dict[int, tuple[str, int, int]]:
    """pid -> (name, RSS, PSS) for the tree of `root` now."""
    found = {}
    for pid in children_of(root):
        memory = memory_of(pid)
        if memory is not None:
            found[pid] = (name_of(pid), *memory)
    return found


def measure(command: list[str], every: float = 0.2) -> dict:
    """Run `command` and return its exit code, wall seconds and peaks (bytes) per name and tree."""
    started = time.monotonic()
    child = subprocess.Popen(command)
    by_name: dict[str, list[int]] = {}
    tree_peak = [0, 0]
    while True:
        now = sample(child.pid)
        rss = sum(r for _, r, _ in now.values())
        pss = sum(p for _, _, p in now.values())
        tree_peak = [max(tree_peak[0], rss), max(tree_peak[1], pss)]
        for name, r, p in now.values():
            peak = by_name.setdefault(name, [0, 0])
            peak[0], peak[1] = max(peak[0], r), max(peak[1], p)
        if child.poll() is not None:
            break
        time.sleep(every)
    return {"returncode": child.returncode, "seconds": round(time.monotonic() - started, 2),
            "tree": {"rss": tree_peak[0], "pss": tree_peak[1]},
            "processes": {n: {"rss": r, "pss": p} for n, (r, p) in by_name.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=float, default=0.2, help="seconds between samples")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give a command after --")
    result = measure(command, args.every)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        mb = 2**20
        for name, peak in sorted(result["processes"].items(), key=lambda i: -i[1]["rss"]):
            print(f"{peak['rss'] / mb:8.0f} MB RSS {peak['pss'] / mb:8.0f} MB PSS  {name}",
                  file=sys.stderr)
        tree = result["tree"]
        print(f"{tree['rss'] / mb:8.0f} MB RSS {tree['pss'] / mb:8.0f} MB PSS  whole tree, "
              f"{result['seconds']} s, exit {result['returncode']}", file=sys.stderr)
    return result["returncode"]


if __name__ == "__main__":
    sys.exit(main())
