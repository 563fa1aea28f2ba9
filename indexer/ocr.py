"""Optical character recognition with Tesseract, for images and scanned PDF pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Callable
from functools import lru_cache

import numpy as np
from PIL import Image

from indexer.errors import ExtractionError

_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_PIXELS = 60_000_000  # a 600 dpi A3 page; larger images are scaled down before OCR
# Second chances, for a page (light paper with some ink on it) where Tesseract found no
# word: small print read again at twice the resolution, and a page scanned askew (Tesseract
# reads little past a few degrees) turned straight. Photos and blank pages get none.
MAX_SKEW = 15  # degrees tried either way
MIN_SKEW = 2  # below this, Tesseract copes on its own
LEVEL_GAIN = 1.5  # a turned page's line profile must be this much sharper than as scanned
INK = (0.002, 0.4)  # share of dark pixels on a page worth a second look
PAPER = 180  # mean grey level of a page (paper is light; photos are mostly darker)
_WORD = re.compile(r"[^\W\d_]{2,}")


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract language packs installed on this machine (empty when Tesseract is missing)."""
    exe = shutil.which("tesseract")
    if not exe:
        return frozenset()
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return frozenset()
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def usable_languages(wanted: str) -> str | None:
    """The requested `ara+eng`-style language list narrowed to the installed packs."""
    have = installed_languages()
    langs = [lang for lang in wanted.split("+") if lang in have]
    return "+".join(langs) or None


def ocr_image(image: Image.Image, languages: str, timeout: float = 0,
              dpi: int | None = None,
              sharper: Callable[[], Image.Image] | None = None) -> str:
    """Recognise the text of one image; "" when Tesseract runs past `timeout` seconds (0: no
    limit), so a caller with a time budget keeps what it read before. `dpi` is the image's
    resolution when known (a rendered PDF page): Tesseract judges the size of print by it.

    When the first reading finds no word on what looks like a page, it is read again at
    twice the resolution (`sharper` renders it so; by default it is enlarged), then turned
    straight when it lies askew, within the same time budget.
    Raises ExtractionError when Tesseract or all requested language packs are missing.
    """
    langs = usable_languages(languages)
    if langs is None:
        raise ExtractionError(
            f"OCR needs Tesseract with the language packs {languages} (Debian: apt-get install "
            f"tesseract-ocr tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-urd); none found.")
    deadline = time.monotonic() + timeout if timeout else 0.0
    image = _prepared(image)
    text = _tesseract(image, langs, deadline, dpi)
    if _WORD.search(text):
        return text
    gray = image.convert("L")
    ink = _ink(gray)
    if not is_page(gray, ink):
        return text
    double = (lambda: _prepared(sharper())) if sharper else (lambda: _enlarged(gray))
    retries = [(double, dpi and dpi * 2)]
    angle = skew_angle(ink)
    if abs(angle) >= MIN_SKEW:
        retries.append((lambda: gray.rotate(angle, resample=Image.BICUBIC, expand=True,
                                            fillcolor=255), dpi))
    for variant, variant_dpi in retries:
        retry = _tesseract(variant(), langs, deadline, variant_dpi)
        if _WORD.search(retry):
            return retry
    return text


def _enlarged(gray: Image.Image) -> Image.Image:
    size = (gray.width * 2, gray.height * 2)
    if size[0] * size[1] > MAX_PIXELS:
        return gray
    return gray.resize(size, Image.LANCZOS)


def _prepared(image: Image.Image) -> Image.Image:
    """The image as Tesseract reads it best: at most MAX_PIXELS, grey or RGB, transparency
    laid on white (a transparent background would read as black)."""
    if image.width * image.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P"
                                              and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGB", rgba.size, "white")
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return image if image.mode in ("L", "RGB") else image.convert("RGB")


def _tesseract(image: Image.Image, langs: str, deadline: float, dpi: int | None) -> str:
    import pytesseract

    config = f"--psm 3 --dpi {dpi}" if dpi else "--psm 3"
    timeout = 0.0
    if deadline:
        timeout = deadline - time.monotonic()
        if timeout <= 0:
            return ""
    try:
        text = pytesseract.image_to_string(image, lang=langs, config=config, timeout=timeout)
    except pytesseract.TesseractError as exc:
        raise ExtractionError(f"Tesseract failed: {exc}") from exc
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        if "timeout" not in str(exc).lower():
            raise
        return ""
    return _BIDI_MARKS.sub("", text)  # Tesseract wraps RTL runs in direction marks


def is_page(gray: Image.Image, ink: np.ndarray) -> bool:
    """Whether a grey image looks like a page: light paper with some ink, not a photo."""
    return INK[0] <= ink.mean() <= INK[1] and np.asarray(gray).mean() >= PAPER


def _ink(gray: Image.Image, side: int = 1000) -> np.ndarray:
    """Dark pixels of a page, on a copy at most `side` pixels wide (enough to see lines)."""
    small = gray.copy()
    small.thumbnail((side, side))
    pixels = np.asarray(small, dtype=np.uint8)
    return pixels < min(128, int(pixels.mean()) - 30)


def skew_angle(ink: np.ndarray) -> int:
    """The rotation in degrees (counter-clockwise) that sets a page's lines level: the one
    whose rows of ink differ most from row to row (level lines make sharp row profiles);
    0 when no angle is clearly better than none (no lines of text to set level)."""
    page = Image.fromarray(ink.astype(np.uint8) * 255)

    def sharpness(angle: int) -> float:
        rows = np.asarray(page.rotate(angle, expand=True), dtype=np.float64).sum(axis=1)
        return float(np.square(np.diff(rows)).sum())

    scores = {angle: sharpness(angle) for angle in range(-MAX_SKEW, MAX_SKEW + 1)}
    best = max(scores, key=scores.get)
    return best if scores[best] >= LEVEL_GAIN * scores[0] else 0
