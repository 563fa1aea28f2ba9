"""Images (scans, photos): OCR text per frame with Tesseract, size and EXIF date."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageSequence, UnidentifiedImageError
from pillow_heif import register_heif_opener

from archive.encodings import decode
from indexer.errors import ExtractionError, TooLargeError, UnsupportedTypeError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors.xmp import xmp_lines
from indexer.ocr import ocr_image

KIND = "image"
MIME_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp",
              "image/x-ms-bmp", "image/jp2", "image/x-portable-pixmap", "image/heic",
              "image/heif", "image/heic-sequence", "image/heif-sequence", "image/avif")

MAX_FRAMES = 500
Image.MAX_IMAGE_PIXELS = 200_000_000  # beyond this Pillow raises a decompression-bomb error
register_heif_opener()  # HEIC/HEIF photos (iPhones) open like any other image


# EXIF tags people write in (description, artist, copyright, Windows title/comment/author/
# keywords/subject, user comment): searchable text even when OCR finds no words.
# Camera, software and the time taken are searchable too, as Recoll's EXIF dump makes them.
_EXIF_TEXT = {270: "description", 315: "artist", 33432: "copyright", 40091: "title",
              40092: "comment", 40093: "author", 40094: "keywords", 40095: "subject",
              37510: "comment", 271: "camera make", 272: "camera model", 305: "software",
              36867: "taken"}


def _exif_value(value) -> str:
    if isinstance(value, bytes):
        if value[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00"):  # UserComment's charset code
            codec = "utf-16" if value.startswith(b"UNICODE") else "ascii"
            return value[8:].decode(codec, "replace").strip("\x00 ")
        return value.decode("utf-16-le", "replace").strip("\x00 ")  # the XP* tags
    value = str(value).strip("\x00 ")
    try:  # Pillow reads EXIF ASCII as Latin-1; cameras and tools write UTF-8 there
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def described(img: Image.Image) -> str:
    """Text written into the image file: EXIF descriptions, JPEG comments, PNG text chunks."""
    lines = []
    exif = img.getexif() if hasattr(img, "getexif") else {}
    tags = {**dict(exif or {}), **dict(exif.get_ifd(0x8769) if exif else {})}
    for tag, name in _EXIF_TEXT.items():
        value = _exif_value(tags[tag]) if tags.get(tag) else ""
        if value and any(ch.isalnum() for ch in value):
            lines.append(f"{name}: {value}")
    comment = img.info.get("comment")
    if isinstance(comment, bytes):  # JPEG and GIF comments: bytes in no declared charset
        comment = decode(comment)[0]
    if comment and comment.strip("\x00 "):
        lines.append(f"comment: {comment.strip(chr(0) + ' ')}")
    for key, value in (getattr(img, "text", None) or {}).items():
        # ImageMagick's date:create/date:modify and XMP packets are not prose
        if isinstance(value, str) and value.strip() and not key.lower().startswith(
                ("date:", "xml:")):
            lines.append(f"{key.lower()}: {value.strip()}")
    return "\n".join(lines)


# FITS (astronomy, also what ImageMagick writes) keeps its metadata as 80-character header
# cards; these hold what people and programs wrote, as EXIF's description and software do.
FITS_TEXT = {"OBJECT": "object", "TELESCOP": "telescope", "INSTRUME": "instrument",
             "OBSERVER": "observer", "AUTHOR": "author", "ORIGIN": "origin",
             "DATE-OBS": "observed", "HISTORY": "history", "COMMENT": "comment"}
FITS_MAX_CARDS = 36 * 100  # a hundred header blocks


def fits_header(path: Path) -> list[str]:
    """"label: value" lines of a FITS file's primary header cards in FITS_TEXT."""
    lines = []
    with path.open("rb") as fh:
        for _ in range(FITS_MAX_CARDS):
            card = fh.read(80).decode("ascii", "replace")
            key = card[:8].strip()
            if len(card) < 80 or key == "END":
                break
            if key in FITS_TEXT:
                value = card[8:].lstrip("= ").split(" /")[0] if key not in (
                    "HISTORY", "COMMENT") else card[8:]
                value = value.strip().strip("'").strip()
                if any(ch.isalpha() for ch in value):
                    lines.append(f"{FITS_TEXT[key]}: {value}")
    return lines


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
            fits = fits_header(path) if img.format == "FITS" else []
            words = "\n".join(line for line in (described(img), *xmp_lines(path), *fits)
                               if line)
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
    if words:
        meta["described"] = words
        if not any(p.strip() for p in pages):
            pages.append(words)
    return Extracted(pages=pages, created=created or None, metadata=meta)
