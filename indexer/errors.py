"""Indexing errors, the statuses a document ends with, and the fixed vocabulary of reasons."""

from archive.errors import ArchiveError

ENCRYPTED = "encrypted"
UNSUPPORTED = "unsupported"
CORRUPT = "corrupt"
TOO_LARGE = "too large"
TIMED_OUT = "timed out"
OUT_OF_MEMORY = "out of memory"
CRASHED = "crashed"
EMPTY_FILE = "empty file"
NO_TEXT = "no text"
UNREADABLE = "unreadable"

REASONS = (ENCRYPTED, UNSUPPORTED, CORRUPT, TOO_LARGE, TIMED_OUT, OUT_OF_MEMORY, CRASHED,
           EMPTY_FILE, NO_TEXT, UNREADABLE)

# What a document's status says: read with text (or media, containers), read with nothing
# to read in it (reason `empty file` or `no text`: a photo OCR finds no words in, an empty
# spreadsheet, a 0-byte file), or failed for one of the other reasons. Only failures are
# errors: they count in the run's summary and its exit code.
OK = "ok"
EMPTY = "empty"
FAILED = "failed"
NOTHING_TO_READ = (EMPTY_FILE, NO_TEXT)
# A note on a document read as OK, not a failure: a container whose members lie deeper than
# --max-depth, which were left packed.
NOT_UNPACKED = "not unpacked"


class IndexingError(ArchiveError):
    """Base of errors raised while indexing one file; `reason` is one of REASONS."""

    reason = CORRUPT

    def __init__(self, message: str, reason: str | None = None):
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class UnsupportedTypeError(IndexingError):
    """Raised when no extractor handles a file's MIME type."""

    reason = UNSUPPORTED


class ExtractionError(IndexingError):
    """Raised when an extractor cannot read a file it should handle (broken, encrypted, ...)."""


class TooLargeError(IndexingError):
    """Raised when a file or a container's contents exceed a configured limit."""

    reason = TOO_LARGE


class SchedulerError(ArchiveError):
    """Raised when the Dask scheduler given by --scheduler cannot be reached, or is lost."""
