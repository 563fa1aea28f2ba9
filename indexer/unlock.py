"""Opening encrypted files (PDF, Office, OpenDocument) with the passwords an archivist
supplies (`--passwords FILE`): sources often hand them over with a release. A file that
opens is read from a decrypted copy in the worker's temporary folder, removed when read;
the password is never stored."""

from __future__ import annotations

import io
import logging
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from archive.errors import ArchiveError

PDF_TYPES = ("application/pdf", "application/x-pdf")
ODF_TYPES = ("application/vnd.oasis.opendocument.text",
             "application/vnd.oasis.opendocument.spreadsheet",
             "application/vnd.oasis.opendocument.presentation")
OFFICE_TYPES = ("application/encrypted", "application/msword", "application/vnd.ms-excel",
                "application/vnd.ms-powerpoint", "application/vnd.ms-office")
DECRYPTED = "opened with a password from the password list (--passwords)"
MAX_PASSWORDS = 10_000  # a list longer than this is a cracking run, not a source's passwords


def load_passwords(path: Path | None) -> tuple[str, ...]:
    """The passwords of a file, one per line (spaces kept: "    " is a password), blank lines
    and duplicates left out. Raises ArchiveError when it cannot be read or holds too many."""
    if not path:
        return ()
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"cannot read the password list {path}: {exc}; give a UTF-8 text "
                           f"file with one password per line.") from exc
    passwords = tuple(dict.fromkeys(line for line in lines if line))
    if len(passwords) > MAX_PASSWORDS:
        raise ArchiveError(f"the password list {path} holds {len(passwords)} passwords; at "
                           f"most {MAX_PASSWORDS} are tried on each encrypted file.")
    return passwords


def _pdf(path: Path, passwords: tuple[str, ...]) -> bytes | None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path, strict=False)
        if not reader.is_encrypted or not any(reader.decrypt(p) for p in passwords):
            return None
        writer = PdfWriter(clone_from=reader)  # written without encryption
        out = io.BytesIO()
        writer.write(out)
    except (PyPdfError, OSError, ValueError, KeyError, TypeError, NotImplementedError):
        return None
    return out.getvalue()


def _office(path: Path, passwords: tuple[str, ...]) -> bytes | None:
    import msoffcrypto

    for password in passwords:
        try:
            with path.open("rb") as fh:
                office = msoffcrypto.OfficeFile(fh)
                if not office.is_encrypted():
                    return None
                office.load_key(password=password, verify_password=True)
                out = io.BytesIO()
                office.decrypt(out)
        except Exception:  # noqa: BLE001 - msoffcrypto raises its own and plain errors alike
            continue
        return out.getvalue()
    return None


@contextmanager
def decrypted_copy(path: Path, mime: str, passwords: tuple[str, ...]) -> Iterator[Path | None]:
    """A decrypted copy of an encrypted PDF or Office file opened with one of `passwords`
    (None when none opens it), deleted on leaving the block."""
    data = None
    if passwords and mime in PDF_TYPES:
        data = _pdf(path, passwords)
    elif passwords and mime in OFFICE_TYPES:
        data = _office(path, passwords)
    elif passwords and mime in ODF_TYPES:
        from indexer.odf_crypto import decrypt_odf

        data = decrypt_odf(path.read_bytes(), passwords)
    if data is None:
        yield None
        return
    fd, name = tempfile.mkstemp(prefix="decrypted-", suffix=path.suffix[-12:])
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
