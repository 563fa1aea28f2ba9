"""The archivist's report: which paths changed, the last run in `docket status`, the time
left, the file in progress, defaults in --help, and stopping without leaving a worker."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from archive.config import Settings
from indexer.report import FILE_COST_BYTES, TimeLeft
from indexer.run import index_collection
from tests.conftest import ROOT, SAMPLE, alive, start_docket

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LETTERS = sorted((SAMPLE / "letters").glob("letter-0*-ar*.txt"))


def docket(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, **kwargs)


def letters(folder: Path, count: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (folder / f"note-{i:02d}.txt").write_text(
            f"رسالة رقم {i} إلى الأخ الكريم عن المكتبة والكتب والقافلة\n" * 3, encoding="utf-8")


def test_verbose_and_json_list_added_changed_moved_and_removed_paths(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    letters(folder, 25)
    first = docket("index", folder, "--var", var, "-q", "-v", "--no-embeddings", "-j", "1")
    assert first.returncode == 0, first.stderr
    assert "Added (25):\n  note-00.txt\n  note-01.txt\n" in first.stdout
    assert "  note-19.txt\n  ... and 5 more (--json lists them all)" in first.stdout
    assert "note-20.txt" not in first.stdout  # text mode stays bounded

    (folder / "note-00.txt").rename(folder / "moved-00.txt")  # same bytes, new path
    (folder / "note-01.txt").unlink()
    (folder / "note-02.txt").write_text("نص جديد تماما للرسالة الثانية\n", encoding="utf-8")
    (folder / "new.txt").write_text("a new letter about the library\n", encoding="utf-8")
    second = docket("index", folder, "--var", var, "-q", "-v", "--no-embeddings", "-j", "1")
    assert second.returncode == 0, second.stderr
    assert ("Added (1):\n  new.txt\nChanged (1):\n  note-02.txt\n"
            "Moved (1):\n  note-00.txt -> moved-00.txt\nRemoved (1):\n  note-01.txt\n"
            ) in second.stdout

    (folder / "moved-00.txt").rename(folder / "again.txt")
    third = docket("index", folder, "--var", var, "-q", "--json", "--no-embeddings")
    report = json.loads(third.stdout)
    assert report["moved_paths"] == [{"from": "moved-00.txt", "to": "again.txt"}]
    assert (report["added_paths"], report["updated_paths"], report["removed_paths"]) == \
        ([], [], [])
    assert report["extracted"] == 0  # a move re-extracts nothing


def test_json_lists_every_added_path_past_the_text_bound(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    letters(folder, 23)
    result = docket("index", folder, "--var", var, "-q", "--json", "--no-embeddings", "-j", "1")
    report = json.loads(result.stdout)
    assert report["added_paths"] == [f"note-{i:02d}.txt" for i in range(23)]
    assert report["state"] == "finished"


def test_status_shows_the_last_run_when_how_long_counts_and_exit_state(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    letters(folder, 2)
    shutil.copy(SAMPLE / "broken/locked-statement.pdf", folder / "locked.pdf")
    assert docket("index", folder, "--var", var, "-q", "--no-embeddings").returncode == 1
    status = docket("status", "--var", var)
    line = next(x for x in status.stdout.splitlines() if x.startswith("Last run:"))
    assert "started 20" in line and ", took " in line
    assert "added 3, updated 0, moved 0, removed 0, failed 1, 3 extracted" in line
    assert line.endswith("finished with 1 failed (exit 1)")
    data = json.loads(docket("status", "--var", var, "--json").stdout)
    run = data["last_run"]
    assert run["finished"] and run["summary"]["added_paths"] == \
        ["locked.pdf", "note-00.txt", "note-01.txt"]
    assert run["state"] == "finished with 1 failed (exit 1)"


def test_status_says_when_the_last_run_did_not_finish(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    letters(folder, 1)
    docket("index", folder, "--var", var, "-q", "--no-embeddings")
    import sqlite3

    conn = sqlite3.connect(var / "catalog.sqlite")  # what a kill -9 mid-run leaves
    conn.execute("INSERT INTO runs (folder, started) VALUES (?, '2026-01-01T00:00:00+00:00')",
                 (str(folder),))
    conn.commit()
    conn.close()
    status = docket("status", "--var", var)
    assert "Last run: started 2026-01-01T00:00:00+00:00; " in status.stdout
    assert "did not finish (killed, or still running)" in status.stdout


def test_index_help_shows_the_defaults():
    result = docket("index", "--help")
    assert result.returncode == 0
    for default in ("[default: 120.0]", "[default: 3072]", "[default: 5]", "[default: ocr]"):
        assert default in " ".join(result.stdout.split()), default


def test_time_left_weighs_the_kinds_left_not_the_first_files():
    """One slow OCR'd scan first, then a hundred small letters: a per-file average says the
    letters take 100 scans' time; weighed by kind and bytes they take a small fraction."""
    left = TimeLeft(workers=2)
    left.add("scan.png", 2**20)
    for i in range(100):
        left.add(f"letters/l{i}.txt", 10_000)
    assert left.seconds() is None  # nothing to go by yet
    for warm_up in ("w1.txt", "w2.txt"):  # each worker's first file loads the models
        left.add(warm_up, 10_000)
        left.finish(warm_up, 10_000, 30.0)
    assert left.seconds() is None
    left.finish("scan.png", 2**20, 60.0)
    naive = 60.0 * 100 / 2  # the mean time per finished file times the files left
    estimate = left.seconds()
    assert estimate is not None and estimate < naive / 50
    # Once letters have run, their own rate counts: ten took 1 s, ninety are left.
    for i in range(10):
        left.finish(f"letters/l{i}.txt", 10_000, 0.1)
    assert left.seconds() == pytest.approx(9.0 / 2)
    left.add("archive/big.pdf", 10 * 2**20)  # a kind not seen yet: its prior, scaled
    assert left.seconds() > 9.0 / 2 + 1
    assert FILE_COST_BYTES > 0


class RecordingReporter:
    def __init__(self):
        self.events: list[tuple[str, str | None]] = []
        self.phases: list[str] = []

    def phase(self, name, total):
        self.phases.append(name)

    def step(self, item, n=1):
        if self.phases[-1] == "extracting":
            self.events.append(("done", item))

    def more(self, n):
        pass

    def working(self, item, seconds_left):
        self.events.append(("working", item))


def test_the_bar_names_the_file_in_progress_not_the_last_finished(tmp_path):
    folder = tmp_path / "c"
    letters(folder, 4)
    reporter = RecordingReporter()
    index_collection(Settings(var=tmp_path / "var", jobs=1, embeddings=False), folder,
                     reporter)
    done = [item for kind, item in reporter.events if kind == "done"]
    assert done == [f"note-{i:02d}.txt" for i in range(4)]
    for i, (kind, item) in enumerate(reporter.events):
        if kind == "working" and item is not None:
            finished_before = {it for k, it in reporter.events[:i] if k == "done"}
            assert item not in finished_before  # shown while it is worked on
    shown = [item for kind, item in reporter.events if kind == "working"]
    assert set(done) <= set(shown)  # each file was named while a worker had it


# --- stopping: no process left behind -----------------------------------------------------

def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid`, with its command name."""
    tree, out, todo = _children(), {}, [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            try:
                out[child] = Path(f"/proc/{child}/comm").read_text().strip()
            except OSError:
                continue
            todo.append(child)
    return out


def dense_scans(folder: Path, count: int) -> None:
    """Pages of small print: Tesseract with four languages needs many seconds for each."""
    folder.mkdir(parents=True, exist_ok=True)
    font = ImageFont.truetype(str(FONT), 14) if FONT.exists() else None
    for n in range(count):
        img = Image.new("L", (3000, 4000), 255)
        draw = ImageDraw.Draw(img)
        for y in range(0, 4000, 18):
            draw.text((10, y), f"scan {n} the archive clerk files every letter " * 9, fill=0,
                      font=font)
        img.save(folder / f"scan-{n}.png")


def wait_for_tesseract(pid: int) -> dict[int, str]:
    deadline = time.monotonic() + 180
    while True:
        below = descendants(pid)
        if "tesseract" in below.values():
            return below
        assert alive(pid), "the run ended before Tesseract started"
        assert time.monotonic() < deadline, f"no Tesseract below the run: {below}"
        time.sleep(0.1)


def assert_all_gone(pids) -> None:
    deadline = time.monotonic() + 30  # generous: the bound is for "gone", not for speed
    while [p for p in pids if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p for p in pids if alive(p)] == []


@pytest.mark.parametrize("how", ["sigterm", "ctrl-c", "kill-9"])
def test_stopping_a_run_leaves_no_worker_or_tesseract_behind(tmp_path, how):
    dense_scans(tmp_path / "c", 2)
    proc = start_docket("index", tmp_path / "c", "--var", tmp_path / "var", "-q", "-j", "2",
                        "--no-embeddings")
    below = wait_for_tesseract(proc.pid)
    if how == "kill-9":  # the run only: its workers and their Tesseract must follow it
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate(timeout=120)
        assert_all_gone(below)
        return
    if how == "sigterm":
        os.kill(proc.pid, signal.SIGTERM)  # the run only, as a supervisor sends it
    else:
        os.killpg(proc.pid, signal.SIGINT)  # the terminal's process group, as Ctrl-C does
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == (143 if how == "sigterm" else 130), err.decode()
    assert b"Everything committed so far is kept" in err
    assert_all_gone(below)
    status = docket("status", "--var", tmp_path / "var").stdout
    assert "interrupted (exit 130 or 143); rerun to resume" in status


def test_sigterm_to_a_run_started_from_a_background_shell_leaves_nothing(tmp_path):
    dense_scans(tmp_path / "c", 1)
    log = tmp_path / "log"
    command = (f"cd {ROOT}; {sys.executable} -m cli index {tmp_path / 'c'} --var "
               f"{tmp_path / 'var'} -q -j 1 --no-embeddings < /dev/null > {log} 2>&1 & "
               f"echo $!")
    # A non-interactive shell starts background jobs with SIGINT ignored, then exits: the
    # run is an orphan, as under nohup or a cron job.
    shell = subprocess.run(["bash", "-c", command], capture_output=True, text=True,
                           timeout=60, start_new_session=True)
    pid = int(shell.stdout.strip())
    below = wait_for_tesseract(pid)
    os.kill(pid, signal.SIGTERM)
    assert_all_gone([pid, *below])
    assert "Stopped (SIGTERM)" in log.read_text()


def test_a_child_whose_parent_died_while_it_started_ends_itself():
    # A spawned worker or projector may finish starting after a kill -9 of the run: its
    # parent is then already gone, and asking the kernel for a death signal comes too late.
    # Given the pid that started it, it sees that its parent is another and ends at once.
    code = ("import sys; from indexer.processes import die_with_parent; "
            "die_with_parent(int(sys.argv[1])); print('still running')")
    gone = subprocess.run([sys.executable, "-c", code, str(os.getpid() + 10**6)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert gone.returncode == -signal.SIGKILL and "still running" not in gone.stdout
    kept = subprocess.run([sys.executable, "-c", code, str(os.getpid())], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert kept.returncode == 0 and "still running" in kept.stdout
