"""Images (scans, photos): OCR text per frame with Tesseract, size and EXIF date."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError

from indexer.errors import ExtractionError, TooLargeError, UnsupportedTypeError
from indexer.extracted import Extracted, ExtractOptions
from indexer.ocr import ocr_image

KIND = "image"
MIME_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp",
              "image/x-ms-bmp", "image/jp2", "image/x-portable-pixmap")

MAX_FRAMES = 500
Image.MAX_IMAGE_PIXELS = 200_000_000  # beyond this Pillow raises a decompression-bomb error


def img_format(path: Path) -> str:
    return path.suffix.lstrip(".").upper() or "unknown format"


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """OCR every frame of an image (multi-page TIFFs give one page per frame)."""
    try:
        with Image.open(path) as img:
            meta = {"width": img.width, "height": img.height, "format": img.format}
            exif = img.getexif() if hasattr(img, "getexif") else {}
            created = exif.get(306) if exif else None  # DateTime
            pages: list[str] = []
            if options.ocr:
                for i, frame in enumerate(ImageSequence.Iterator(img)):
                    if i >= min(MAX_FRAMES, options.ocr_max_pages):
                        meta["frames_skipped"] = True
                        break
                    pages.append(ocr_image(frame.copy(), options.ocr_languages))
            else:
                meta["ocr"] = "disabled"
    except Image.DecompressionBombError as exc:
        raise TooLargeError(f"{path.name}: image too large to decode safely: {exc}") from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedTypeError(f"{path.name}: an image format Pillow cannot decode "
                                   f"({img_format(path)}).") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ExtractionError(f"{path.name}: the image is damaged or not an image: {exc}") from exc
    if created:
        created = str(created).replace(":", "-", 2).replace(" ", "T")
    meta["ocr_pages"] = len(pages)
    return Extracted(pages=pages, created=created or None, metadata=meta)
