"""Rich Text Format: text with the code page the file declares (\\ansicpg1256 for Arabic)."""

from __future__ import annotations

import re
from pathlib import Path

from striprtf.striprtf import rtf_to_text

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors.text import paginate

KIND = "word"
MIME_TYPES = ("text/rtf", "application/rtf")

_CODEPAGE = re.compile(rb"\\ansicpg(\d+)")
_INFO = re.compile(r"\{\\(title|author|subject|keywords)\s+([^}]*)\}")


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Convert RTF to text, decoding \\'xx escapes with the declared ANSI code page."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path.name}: cannot read the file: {exc}") from exc
    if not data.lstrip().startswith(b"{\\rtf"):
        raise ExtractionError(f"{path.name}: not an RTF file (no {{\\rtf header).")
    match = _CODEPAGE.search(data[:2048])
    encoding = f"cp{match.group(1).decode()}" if match else "cp1252"
    try:
        "".encode(encoding)
    except LookupError:
        encoding = "cp1252"
    source = data.decode("latin-1")
    try:
        text = rtf_to_text(source, encoding=encoding, errors="replace")
    except (ValueError, IndexError, UnicodeError, RecursionError) as exc:
        raise ExtractionError(f"{path.name}: the RTF is damaged ({exc}).") from exc
    info = {k: v.strip() for k, v in _INFO.findall(source)}
    return Extracted(pages=paginate(text), title=info.get("title") or None,
                     author=info.get("author") or None, metadata={"encoding": encoding})
