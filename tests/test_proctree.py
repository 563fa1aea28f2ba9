"""bench/proctree.py measures a real process tree: a parent holding memory and its child."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "proctree", Path(__file__).resolve().parent.parent / "bench" / "proctree.py")
proctree = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(proctree)

# The child announces its exec by writing a file only after it holds its memory, and the
# parent waits for that file before it sleeps: every sample taken then sees both.
SCRIPT = """
import subprocess, sys, time, pathlib
ready = pathlib.Path(sys.argv[1])
held = bytearray(60 * 2**20)
child = subprocess.Popen([sys.executable, "-c",
    "import sys, time, pathlib; held = bytearray(40 * 2**20); "
    "pathlib.Path(sys.argv[1]).write_text('up'); time.sleep(1.5)", str(ready)])
while not ready.exists():
    time.sleep(0.05)
time.sleep(1.5)
child.wait()
"""


def test_proctree_counts_parent_and_child(tmp_path):
    result = proctree.measure([sys.executable, "-c", SCRIPT, str(tmp_path / "ready")], 0.1)
    assert result["returncode"] == 0
    mb = 2**20
    tree = result["tree"]
    assert 100 * mb <= tree["rss"] < 400 * mb, tree
    assert 0 < tree["pss"] <= tree["rss"], tree
    assert len(result["processes"]) >= 2, result["processes"]


def test_proctree_returns_the_exit_code():
    assert proctree.measure([sys.executable, "-c", "raise SystemExit(3)"])["returncode"] == 3
