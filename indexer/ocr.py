"""Optical character recognition with Tesseract, for images and scanned PDF pages."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache

from PIL import Image

from indexer.errors import ExtractionError

_BIDI_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MAX_PIXELS = 60_000_000  # a 600 dpi A3 page; larger images are scaled down before OCR


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


def ocr_image(image: Image.Image, languages: str, timeout: float = 0) -> str:
    """Recognise the text of one image; "" when Tesseract runs past `timeout` seconds (0: no
    limit), so a caller with a time budget keeps what it read before.

    Raises ExtractionError when Tesseract or all requested language packs are missing.
    """
    import pytesseract

    langs = usable_languages(languages)
    if langs is None:
        raise ExtractionError(
            f"OCR needs Tesseract with the language packs {languages} (Debian: apt-get install "
            f"tesseract-ocr tesseract-ocr-ara tesseract-ocr-fas tesseract-ocr-urd); none found.")
    if image.width * image.height > MAX_PIXELS:
        scale = (MAX_PIXELS / (image.width * image.height)) ** 0.5
        image = image.resize((int(image.width * scale), int(image.height * scale)))
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    try:
        text = pytesseract.image_to_string(image, lang=langs, config="--psm 3", timeout=timeout)
    except pytesseract.TesseractError as exc:
        raise ExtractionError(f"Tesseract failed: {exc}") from exc
    except RuntimeError as exc:  # pytesseract's "Tesseract process timeout"
        if "timeout" not in str(exc).lower():
            raise
        return ""
    return _BIDI_MARKS.sub("", text)  # Tesseract wraps RTL runs in direction marks
