"""Indexing throughput and memory: Docket against Recoll's recollindex on the same files.

Two collections: this script's own mix (N files: 60% text, 20% HTML, 20% PDF; Arabic and
English mixed), or with --generator the plain-text files of the shared corpus generator
(../shared/corpus-generator/make_corpus.py: 60% Arabic, real word frequencies), written into
the scratch folder, never into the repository. In one run, side by side with recollindex:
Docket's full default run (embeddings on), the moment its text index was searchable in that
run, a full run with --no-embeddings, and the no-change rerun; each with documents/second,
CPU seconds and the peak memory of the whole process tree (summed RSS), with Docket/Recoll
ratios. Usage:

    .venv/bin/python bench/index_bench.py --n 10000 [--jobs 2] [--out /scratch/idx-bench]
    .venv/bin/python bench/index_bench.py --generator 10000 --out /scratch/idx-bench
    .venv/bin/python bench/index_bench.py --generator 10000 --src /old/checkout  # a baseline

Needs recoll (Debian package `recoll`) and fpdf2 (dev dependency) to generate the PDFs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
GENERATOR = ROOT.parent / "shared" / "corpus-generator"
FONT = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")
SANS = Path("/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf")
AR = ("رسالة الأخ الكريم المكتبة الكتب الوادي القافلة الدواء المدرسة الشتاء التعليم الأولاد "
      "الأهل المحصول الأمطار الطريق الجبال الرسول التقرير اللجنة الإعلام الترجمة الأرشيف").split()
EN = ("letter brother library books valley caravan medicine school winter education children "
      "family harvest rain road mountains courier report committee media translation "
      "archive").split()


def sentence(rng: random.Random, words: list[str], n: int) -> str:
    return " ".join(rng.choice(words) for _ in range(n))


def generate(folder: Path, n: int) -> None:
    """Write N distinct files; reuses the folder when it already holds them."""
    marker = folder / ".complete"
    if marker.exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    from fpdf import FPDF

    rng = random.Random(n)
    for i in range(n):
        sub = folder / f"box-{i // 500:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        body_ar = "\n".join(sentence(rng, AR, 14) for _ in range(8))
        body_en = "\n".join(sentence(rng, EN, 14) for _ in range(4))
        kind = i % 10
        if kind < 6:
            (sub / f"doc-{i:06d}.txt").write_text(f"{i}\n{body_ar}\n{body_en}\n", "utf-8")
        elif kind < 8:
            html = (f"<html><head><meta charset='utf-8'><title>Item {i}</title></head><body>"
                    f"<p dir='rtl'>{body_ar}</p><p>{body_en}</p></body></html>")
            (sub / f"doc-{i:06d}.html").write_text(html, "utf-8")
        else:
            pdf = FPDF()
            pdf.add_font("naskh", fname=str(FONT))
            pdf.add_font("sans", fname=str(SANS))
            pdf.add_page()
            for line in [f"Item {i}", *body_ar.split("\n")[:4], *body_en.split("\n")]:
                pdf.set_font("sans" if line.isascii() else "naskh", size=12)
                pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
            pdf.output(str(sub / f"doc-{i:06d}.pdf"))
    marker.write_text("ok")


class PeakMemory:
    """Samples the summed RSS of a process and all its descendants every 50 ms."""

    def __init__(self, pid: int):
        self.pid, self.peak, self._stop = pid, 0, threading.Event()
        self.started = time.monotonic()
        self.samples: list[tuple[float, int]] = []  # (seconds since start, summed RSS)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _tree_rss(self) -> int:
        children: dict[int, list[int]] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                statm = Path(f"/proc/{entry}/statm").read_text().split()
            except OSError:
                continue
            children.setdefault(int(stat[1]), []).append(int(entry))
            rss[int(entry)] = int(statm[1]) * os.sysconf("SC_PAGE_SIZE")
        total, todo = 0, [self.pid]
        while todo:
            pid = todo.pop()
            total += rss.get(pid, 0)
            todo.extend(children.get(pid, []))
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            rss = self._tree_rss()
            self.samples.append((time.monotonic() - self.started, rss))
            self.peak = max(self.peak, rss)
            time.sleep(0.05)

    def peak_until(self, seconds: float) -> int:
        return max((rss for t, rss in self.samples if t <= seconds), default=self.peak)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class Measured:
    """One timed command: wall and CPU seconds (all its processes), peak memory, output."""

    def __init__(self, cmd: list[str], cwd: Path | None = None):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=cwd)
        self.memory = PeakMemory(proc.pid)
        out, _ = proc.communicate()
        self.seconds = time.monotonic() - started
        self.peak = self.memory.stop()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        self.out = out.decode("utf-8", "replace")  # tools print file names as bytes
        if proc.returncode not in (0, 1):
            sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{self.out[-2000:]}")

    def summary(self) -> dict:
        """Docket's --json summary (the last JSON object it printed)."""
        start = self.out.rfind("\n{")
        return json.loads(self.out[start + 1 if start >= 0 else self.out.find("{"):])


def recoll_config(confdir: Path, folder: Path) -> None:
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "recoll.conf").write_text(
        f"topdirs = {folder}\nindexallfilenames = 1\nloglevel = 1\n"
        f"idxflushmb = 50\nthrQSizes = -1 -1 -1\n")


def generate_text(folder: Path, n: int, script: Path) -> Path:
    """The generator's first N documents as .txt files in `folder`/files (reused when there)."""
    meta = folder / "meta.json"
    if not (meta.exists() and json.loads(meta.read_text()).get("n") == n):
        shutil.rmtree(folder, ignore_errors=True)
        subprocess.run([sys.executable, str(script), "gen", "--pools", str(script.parent / "pools"),
                        "--n", str(n), "--out", str(folder), "--files"], check=True)
    return folder / "files"


def collection(args) -> tuple[Path, str]:
    if args.generator:
        script = args.generator_script
        if not script.exists():
            sys.exit(f"{script} not found: pass --generator-script")
        folder = generate_text(args.out / f"generator-{args.generator}", args.generator, script)
        return folder, "generator text: 60% Arabic, lognormal lengths"
    folder = args.out / f"collection-{args.n}"
    generate(folder, args.n)
    return folder, "text 60%, HTML 20%, PDF 20%; Arabic with English lines"


def docket_runs(args, folder: Path) -> dict[str, Measured]:
    """The full default run, the no-change rerun, and a full run without embeddings."""
    if args.src:
        base = [str(ROOT / ".venv/bin/python"), "-m", "cli"]
    else:
        base = [str(ROOT / ".venv/bin/docket")]
    cwd = args.src or None
    full_var, text_var = args.out / "docket-var", args.out / "docket-var-text"
    shutil.rmtree(full_var, ignore_errors=True)
    shutil.rmtree(text_var, ignore_errors=True)
    run = [*base, "index", str(folder), "-q", "--json", "--no-ocr", "-j", str(args.jobs)]
    runs = {"full": Measured([*run, "--var", str(full_var)], cwd)}
    runs["rerun"] = Measured([*run, "--var", str(full_var)], cwd)
    runs["text"] = Measured([*run, "--var", str(text_var), "--no-embeddings"], cwd)
    return runs


def report(n: int, megabytes: float, docket: dict[str, Measured], recoll: dict[str, Measured]):
    full = docket["full"]
    searchable = full.summary().get("searchable_seconds")
    rows = [("full default run", full.seconds, full.cpu, full.peak, recoll["full"]),
            ("--no-embeddings", docket["text"].seconds, docket["text"].cpu, docket["text"].peak,
             recoll["full"]),
            ("no-change rerun", docket["rerun"].seconds, docket["rerun"].cpu,
             docket["rerun"].peak, recoll["rerun"])]
    if searchable:  # a baseline from before searchable_seconds was reported has none
        rows.insert(1, ("searchable (full run)", searchable, None,
                        full.memory.peak_until(searchable), recoll["full"]))
    print(f"\n{'run':<22} {'tool':<7} {'seconds':>8} {'docs/s':>8} {'CPU s':>7} {'MB/s':>6} "
          f"{'peak MB':>8}  docket/recoll")
    for label, sec, cpu, peak, other in rows:
        cpu_text = f"{cpu:7.1f}" if cpu is not None else f"{'':>7}"
        print(f"{label:<22} {'docket':<7} {sec:8.1f} {n / sec:8.0f} {cpu_text} "
              f"{megabytes / sec:6.2f} {peak / 2**20:8.0f}  speed {other.seconds / sec:.2f}x, "
              f"memory {peak / max(other.peak, 1):.2f}x")
    for label, other in (("full index", recoll["full"]), ("no-change rerun", recoll["rerun"])):
        print(f"{label:<22} {'recoll':<7} {other.seconds:8.1f} {n / other.seconds:8.0f} "
              f"{other.cpu:7.1f} {megabytes / other.seconds:6.2f} {other.peak / 2**20:8.0f}")
    print(f"rerun / full run: docket {docket['rerun'].seconds / full.seconds:.1%}, "
          f"recoll {recoll['rerun'].seconds / recoll['full'].seconds:.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="files in this script's mix")
    parser.add_argument("--generator", type=int, metavar="N",
                        help="use N plain-text files of the shared corpus generator instead")
    parser.add_argument("--generator-script", type=Path, default=GENERATOR / "make_corpus.py",
                        help="the corpus generator (default: ../shared/corpus-generator)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="Docket workers")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="scratch folder")
    parser.add_argument("--src", type=Path,
                        help="run the Docket of another checkout (python -m cli there)")
    args = parser.parse_args()
    if not shutil.which("recollindex"):
        sys.exit("recollindex not found: apt-get install recoll (make bench does it)")
    args.out = args.out.resolve()
    folder, mix = collection(args)
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    megabytes = sum(p.stat().st_size for p in files) / 2**20
    print(f"{len(files)} files, {megabytes:.1f} MB ({mix}) in {folder}", flush=True)

    confdir = args.out / "recoll-conf"
    shutil.rmtree(confdir, ignore_errors=True)
    recoll_config(confdir, folder)
    recoll_cmd = ["recollindex", "-c", str(confdir)]
    recoll = {"full": Measured([*recoll_cmd, "-z"])}
    docket = docket_runs(args, folder)
    recoll["rerun"] = Measured(recoll_cmd)
    report(len(files), megabytes, docket, recoll)


if __name__ == "__main__":
    main()
