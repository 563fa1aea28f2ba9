"""What an extractor returns, and the options it may consult."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ExtractOptions:
    """The part of the settings extractors need; small and picklable for worker processes."""

    ocr: bool = True
    ocr_languages: str = "ara+fas+urd+eng"
    ocr_dpi: int = 200
    ocr_max_pages: int = 500
    max_container_bytes: int = 256 * 1024 * 1024
    max_members: int = 5000
    time_limit: float = 120.0  # OCR stops early so that the rest of the work is kept
    passwords: tuple[str, ...] = ()  # tried on encrypted files (indexer/unlock.py)


@dataclass(frozen=True)
class Child:
    """A file found inside a container (archive member, e-mail attachment)."""

    name: str
    data: bytes


@dataclass
class Extracted:
    """Text per page, descriptive metadata, and children for containers."""

    pages: list[str] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    created: str | None = None
    modified: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    children: list[Child] = field(default_factory=list)
    expects_text: bool = True  # False for media and containers: no text is not a failure
