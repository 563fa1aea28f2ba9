"""Password-protected Office files, which libmagic reports as application/encrypted."""

from __future__ import annotations

from pathlib import Path

from indexer.errors import ENCRYPTED, ExtractionError
from indexer.extracted import Extracted, ExtractOptions

KIND = "word"
MIME_TYPES = ("application/encrypted", "application/pgp-encrypted")


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Always raises ExtractionError(encrypted): the content cannot be read without a key."""
    raise ExtractionError(f"{path.name}: the file is encrypted or password-protected; ask the "
                          f"source for the password or an unlocked copy.", reason=ENCRYPTED)
