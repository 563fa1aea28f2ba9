"""Indexing throughput and memory: Docket against Recoll's recollindex on the same files.

Generates a collection of N files (60% text, 20% HTML, 20% PDF; Arabic and English mixed),
then times a full index and a no-change rerun for each tool and prints documents/second,
MB/second and peak memory (the summed RSS of the whole process tree), with Docket/Recoll
ratios. Usage:

    .venv/bin/python bench/index_bench.py --n 10000 [--jobs 2]

Needs recoll (Debian package `recoll`) and fpdf2 (dev dependency) to generate the PDFs.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
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
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(0.05)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, int, str]:
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    memory = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    seconds = time.monotonic() - started
    peak = memory.stop()
    if proc.returncode not in (0, 1):
        sys.exit(f"{cmd[0]} failed ({proc.returncode}):\n{out.decode()[-2000:]}")
    return seconds, peak, out.decode("utf-8", "replace")  # tools print file names as bytes


def recoll_config(confdir: Path, folder: Path) -> None:
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "recoll.conf").write_text(
        f"topdirs = {folder}\nindexallfilenames = 1\nloglevel = 1\n"
        f"idxflushmb = 50\nthrQSizes = -1 -1 -1\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="files in the collection")
    parser.add_argument("--jobs", type=int, default=os.cpu_count(), help="Docket workers")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="scratch folder")
    args = parser.parse_args()
    if not shutil.which("recollindex"):
        sys.exit("recollindex not found: apt-get install recoll (make bench does it)")

    folder = args.out / f"collection-{args.n}"
    print(f"generating {args.n} files in {folder} ...", flush=True)
    generate(folder, args.n)
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    megabytes = sum(p.stat().st_size for p in files) / 2**20
    print(f"{len(files)} files, {megabytes:.1f} MB "
          f"(text 60%, HTML 20%, PDF 20%; Arabic with English lines)")

    var = args.out / "docket-var"
    confdir = args.out / "recoll-conf"
    shutil.rmtree(var, ignore_errors=True)
    shutil.rmtree(confdir, ignore_errors=True)
    recoll_config(confdir, folder)
    # Recoll computes no embeddings: the comparable Docket run leaves them out, and the
    # embedding phase is timed on its own afterwards (it is on by default).
    docket = [str(ROOT / ".venv/bin/docket"), "index", str(folder), "--var", str(var), "-q",
              "--no-ocr", "--no-embeddings", "-j", str(args.jobs)]
    recoll = ["recollindex", "-c", str(confdir)]

    rows = []
    for label in ("full index", "no-change rerun"):
        d_sec, d_mem, _ = timed(docket)
        r_sec, r_mem, _ = timed(recoll + (["-z"] if label == "full index" else []))
        rows.append((label, d_sec, d_mem, r_sec, r_mem))

    n = len(files)
    print(f"\n{'run':<16} {'tool':<8} {'seconds':>8} {'docs/s':>9} {'MB/s':>7} {'peak MB':>8}")
    for label, d_sec, d_mem, r_sec, r_mem in rows:
        for tool, sec, mem in (("docket", d_sec, d_mem), ("recoll", r_sec, r_mem)):
            print(f"{label:<16} {tool:<8} {sec:8.1f} {n / sec:9.0f} {megabytes / sec:7.2f} "
                  f"{mem / 2**20:8.0f}")
        print(f"{label:<16} {'ratio':<8} docket/recoll: speed {r_sec / d_sec:.2f}x, "
              f"memory {d_mem / max(r_mem, 1):.2f}x")
    embed_run = [a if a != "--no-embeddings" else "--embeddings" for a in docket]
    e_sec, e_mem, _ = timed(embed_run)  # nothing changed: only the embedding phase runs
    full = rows[0][1]
    print(f"\nembedding phase (default on; sentence vectors for news linking): {e_sec:.1f} s, "
          f"{n / e_sec:.0f} docs/s, peak {e_mem / 2**20:.0f} MB; the whole default run "
          f"would take {full + e_sec:.1f} s ({(full + e_sec) / full:.1f}x the text index)")


if __name__ == "__main__":
    main()
