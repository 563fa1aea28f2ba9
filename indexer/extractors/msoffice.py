"""Legacy Office binary files (Word .doc, Excel .xls, PowerPoint .ppt) via antiword and catdoc."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import olefile

from indexer.errors import ENCRYPTED, ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors import pdf
from indexer.extractors.text import paginate
from indexer.tools import soffice_convert

KIND = "word"
WORD = ("application/msword", "application/vnd.ms-word")
EXCEL = "application/vnd.ms-excel"
POWERPOINT = "application/vnd.ms-powerpoint"
MIME_TYPES = (*WORD, EXCEL, POWERPOINT)
KINDS = {EXCEL: "spreadsheet", POWERPOINT: "slides"}
PACKAGES = "Debian: apt-get install antiword catdoc"


def _properties(path: Path) -> dict:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            meta = ole.get_metadata()
            encrypted = bool(ole.exists("EncryptionInfo"))
    except (OSError, ValueError):  # olefile's errors subclass OSError
        return {}

    def s(value):
        if isinstance(value, bytes):
            return value.decode("cp1252", "replace").strip("\x00 ").strip() or None
        return value

    out = {"title": s(meta.title), "author": s(meta.author),
           "created": meta.create_time.isoformat() if meta.create_time else None,
           "modified": meta.last_saved_time.isoformat() if meta.last_saved_time else None,
           "encrypted": encrypted}
    return {k: v for k, v in out.items() if v}


def _run(args: list[str], path: Path, timeout: float) -> tuple[int, str, str]:
    exe = shutil.which(args[0])
    if not exe:
        raise ExtractionError(f"{path.name}: reading this format needs {args[0]} ({PACKAGES}).")
    proc = subprocess.run([exe, *args[1:], str(path)], capture_output=True, timeout=timeout)
    return (proc.returncode, proc.stdout.decode("utf-8", "replace"),
            proc.stderr.decode("utf-8", "replace").strip())


def _word_text(path: Path, timeout: float) -> str:
    code, text, err = _run(["antiword", "-m", "UTF-8.txt", "-w", "0"], path, timeout)
    if code == 0 and text.strip():
        return text
    # antiword refuses Word 6/95 and very small files; catdoc reads those.
    code2, text2, err2 = _run(["catdoc", "-d", "utf-8", "-w"], path, timeout)
    if code2 == 0:
        return text2
    raise ExtractionError(f"{path.name}: neither antiword nor catdoc could read it: "
                          f"{(err or err2)[:200]}")


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Text of a legacy Word, Excel (one page per sheet) or PowerPoint file."""
    props = _properties(path)
    if props.pop("encrypted", False):
        raise ExtractionError(f"{path.name}: the document is password-protected.",
                              reason=ENCRYPTED)
    timeout = max(10.0, options.time_limit * 0.8)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head != b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        # Write (.wri) and Word for DOS files libmagic calls Word: LibreOffice reads them.
        pages = _soffice_pages(path, set(), options)
        if pages and any(p.strip() for p in pages):
            return Extracted(pages=pages, metadata={"converted_with": "LibreOffice"})
        raise ExtractionError(f"{path.name}: not an Office binary (OLE2) file.")
    streams = _streams(path)
    try:
        pages, err = _catdoc_pages(path, streams, timeout)
    except ExtractionError as exc:
        pages, err = None, str(exc)
    if (not pages or not any(p.strip() for p in pages)) and "encrypt" not in err.lower():
        # antiword and catdoc miss some files (fast-saved Word, newer PowerPoint records);
        # LibreOffice reads them, slowly, so it is the fallback only.
        pages = _soffice_pages(path, streams, options) or pages
    if pages is None:
        raise ExtractionError(f"{path.name}: neither catdoc nor LibreOffice could read it: "
                              f"{err[:200]}",
                              reason=ENCRYPTED if "encrypt" in err.lower() else None)
    return Extracted(pages=[p for p in pages if p.strip()] or [""], title=props.get("title"),
                     author=props.get("author"), created=props.get("created"),
                     modified=props.get("modified"))


def _catdoc_pages(path: Path, streams: set[str], timeout: float) -> tuple[list[str] | None, str]:
    if "Workbook" in streams or "Book" in streams:
        code, text, err = _run(["xls2csv", "-d", "utf-8", "-q", "1"], path, timeout)
        return (text.split("\f") if code == 0 else None), err
    if "PowerPoint Document" in streams:
        code, text, err = _run(["catppt", "-d", "utf-8"], path, timeout)
        return (paginate(text) if code == 0 else None), err
    return paginate(_word_text(path, timeout)), ""


def _soffice_pages(path: Path, streams: set[str], options: ExtractOptions) -> list[str] | None:
    if not shutil.which("soffice"):
        return None
    sheet = "Workbook" in streams or "Book" in streams
    with tempfile.TemporaryDirectory() as tmp:
        try:
            if sheet or "PowerPoint Document" in streams:  # no plain-text export: via PDF
                return pdf.extract(soffice_convert(path, options, "pdf", Path(tmp)),
                                   options).pages
            converted = soffice_convert(path, options, "txt:Text (encoded):UTF8", Path(tmp))
            return paginate(converted.read_text("utf-8-sig", "replace"))
        except ExtractionError:
            return None


def _streams(path: Path) -> set[str]:
    try:
        with olefile.OleFileIO(str(path)) as ole:
            return {"/".join(s) for s in ole.listdir()}
    except (OSError, ValueError) as exc:
        raise ExtractionError(f"{path.name}: the Office file is damaged ({exc}).") from exc
