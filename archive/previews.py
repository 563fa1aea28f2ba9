"""Page images of PDFs and scans (previews and thumbnails), rendered on the server in a
child process with a time and memory limit, and cached under var/previews."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PREVIEW_WIDTH = 900  # pixels: the page beside its text
THUMB_WIDTH = 240  # pixels: twice the thumbnail's size on screen, sharp on dense screens
MAX_HEIGHT = 3  # a page image is at most this many times as tall as it is wide
MAX_SCALE = 4  # PDF points to pixels: a tiny page is not blown up past this
RENDER_SECONDS = 20  # one page's rendering; a hostile file is given up past this
RENDER_MEMORY_MB = 1536  # address space of the rendering process
RETRY_SECONDS = 86400  # a page that failed is tried again after a day (a busy machine)
MAX_SOURCE_PIXELS = 200_000_000  # larger images are decompression bombs (as in indexing)
PDF = "application/pdf"
IMAGE_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp",
               "image/webp", "image/x-ms-bmp", "image/x-portable-pixmap")
_ROOT = Path(__file__).resolve().parent.parent  # where `python -m archive.previews` runs


def can_render(mime: str) -> bool:
    """True for the types whose pages can be drawn: PDFs and images (a frame a page)."""
    return mime == PDF or mime in IMAGE_TYPES


def page_png(path: Path, mime: str, sha256: str, page: int, width: int,
             cache_dir: Path) -> tuple[Path, bool]:
    """(PNG file, rendered): page `page` (1-based) of the file at `path`, `width` pixels
    wide, rendered once and then served from `cache_dir`. A page that cannot be drawn (a
    broken file, no such page, the time or memory limit reached) gives a placeholder and
    False; the failure is kept for RETRY_SECONDS, so a hostile file costs one attempt a day.

    Writes under `cache_dir`; runs one child process for a page not yet cached.
    """
    folder = cache_dir / sha256[:2] / sha256
    target = folder / f"{page}-{width}.png"
    failed = target.with_suffix(".failed")
    if target.exists():
        return target, True
    if not _failed_recently(failed):
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{page}-", suffix=".png", dir=folder)
        os.close(fd)
        tmp = Path(name)
        try:
            if _render_in_child(path, mime, page, width, tmp):
                os.replace(tmp, target)
                return target, True
        finally:
            tmp.unlink(missing_ok=True)
        failed.touch()
    return placeholder(cache_dir, width), False


def _failed_recently(marker: Path) -> bool:
    try:
        return time.time() - marker.stat().st_mtime < RETRY_SECONDS
    except FileNotFoundError:
        return False


def _render_in_child(path: Path, mime: str, page: int, width: int, out: Path) -> bool:
    # PDFium and Pillow run in C: only a separate process can be stopped in the middle of
    # a page that would take minutes or eat the machine's memory.
    command = [sys.executable, "-m", "archive.previews", str(path), mime, str(page),
               str(width), str(out)]
    try:
        done = subprocess.run(command, cwd=_ROOT, timeout=RENDER_SECONDS,
                              stdin=subprocess.DEVNULL, capture_output=True)
    except subprocess.TimeoutExpired:
        return False
    return done.returncode == 0 and out.stat().st_size > 0


def placeholder(cache_dir: Path, width: int) -> Path:
    """A grey page saying "No preview", `width` pixels wide, made once in `cache_dir`."""
    from PIL import Image, ImageDraw, ImageFont

    target = cache_dir / f"placeholder-{width}.png"
    if target.exists():
        return target
    height = width * 141 // 100  # an A4 page's proportions
    image = Image.new("RGB", (width, height), "#eeeeee")
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, width - 1, height - 1), outline="#999999", width=2)
    font = ImageFont.load_default(size=max(12, width // 12))
    draw.text((width // 2, height // 2), "No preview", fill="#555555", font=font, anchor="mm")
    cache_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=".placeholder-", suffix=".png", dir=cache_dir)
    os.close(fd)
    image.save(name, "PNG", optimize=True)
    os.replace(name, target)
    return target


def render_page(path: Path, mime: str, page: int, width: int):
    """A PIL image of one page, `width` pixels wide at most and MAX_HEIGHT widths tall at
    most. Raises whatever PDFium or Pillow raise for a file they cannot read."""
    if mime == PDF:
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(path)
        try:
            if not 1 <= page <= len(pdf):
                raise ValueError(f"{path} has no page {page}")
            pdf_page = pdf[page - 1]
            w, h = pdf_page.get_size()
            scale = min(width / max(w, 1), width * MAX_HEIGHT / max(h, 1), MAX_SCALE)
            image = pdf_page.render(scale=scale).to_pil()
            pdf_page.close()
        finally:
            pdf.close()
        image.thumbnail((width, width * MAX_HEIGHT))  # PDFium rounds sizes up
        return image
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_SOURCE_PIXELS
    with Image.open(path) as img:
        img.seek(page - 1)  # a frame of a multi-page TIFF; EOFError past the last
        img.draft("RGB", (width, width * MAX_HEIGHT))  # JPEG: decode at a reduced size
        frame = img.convert("RGB")
    frame.thumbnail((width, width * MAX_HEIGHT))
    return frame


def _main(argv: list[str]) -> int:
    import resource

    limit = RENDER_MEMORY_MB * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    path, mime, page, width, out = argv
    render_page(Path(path), mime, int(page), int(width)).save(out, "PNG", optimize=True)
    return 0


if __name__ == "__main__":  # the rendering child started by _render_in_child
    raise SystemExit(_main(sys.argv[1:]))
