"""Running external readers (djvutxt, 7z, readpst, LibreOffice, ...) for the extractors."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from indexer.errors import TIMED_OUT, ExtractionError, TooLargeError
from indexer.extracted import Child, ExtractOptions


def run_tool(args: list[str], path: Path, options: ExtractOptions, package: str,
             cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run an external program on `path` within the file's time limit; returns its result.

    Raises ExtractionError naming the Debian package when the program is missing, and when
    it runs past 80% of the time limit (so the worker can still report the file).
    """
    exe = shutil.which(args[0])
    if not exe:
        raise ExtractionError(f"{path.name}: reading this format needs {args[0]} "
                              f"(Debian: apt-get install {package}).")
    timeout = max(10.0, options.time_limit * 0.8)
    try:
        return subprocess.run([exe, *args[1:]], capture_output=True, timeout=timeout, cwd=cwd,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as exc:
        raise ExtractionError(f"{path.name}: {args[0]} took longer than {timeout:g} s.",
                              reason=TIMED_OUT) from exc


def children_from_folder(folder: Path, path: Path, options: ExtractOptions,
                         wanted=lambda p: True) -> tuple[list[Child], int]:
    """Files a tool unpacked under `folder`, as children (sorted by name); and how many were
    left out past --max-members. Raises TooLargeError past the container size limit."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.is_symlink()
                   and wanted(p))
    children, total = [], 0
    for p in files[:options.max_members]:
        total += p.stat().st_size
        if total > options.max_container_bytes:
            raise TooLargeError(f"{path.name}: members unpack to more than "
                                f"{options.max_container_bytes // 2**20} MiB (limit; raise "
                                f"--max-container-mb to index it).")
        children.append(Child(str(p.relative_to(folder)).replace(os.sep, "/"), p.read_bytes()))
    return children, max(0, len(files) - options.max_members)


def soffice_convert(path: Path, options: ExtractOptions, target: str, out_dir: Path) -> Path:
    """Convert a document with LibreOffice headless (`target`: "pdf", "txt:Text", ...) into
    `out_dir`; returns the converted file.

    A private profile under `out_dir` keeps parallel workers from sharing LibreOffice's
    user folder (which it locks). Raises ExtractionError when the conversion fails.
    """
    profile = out_dir / "profile"
    source = out_dir / f"source{path.suffix.lower() or '.bin'}"
    os.symlink(path.resolve(), source)  # LibreOffice names its output after its input
    proc = run_tool(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                     "--norestore", "--convert-to", target, "--outdir", str(out_dir),
                     str(source)], path, options, "libreoffice-core libreoffice-writer "
                     "libreoffice-calc libreoffice-impress libreoffice-draw")
    produced = [p for p in out_dir.iterdir() if p.is_file() and p.stem == "source"
                and p != source]
    if not produced:
        raise ExtractionError(f"{path.name}: LibreOffice could not convert it: "
                              f"{proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    return produced[0]
