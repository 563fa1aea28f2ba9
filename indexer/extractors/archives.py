"""Archives (zip, tar, gzip/bzip2/xz/zstd/lz4/brotli, 7z): members become child documents,
within limits."""

from __future__ import annotations

import bz2
import gzip
import lzma
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import IO

import brotli
import lz4.frame
import py7zr
import zstandard
from py7zr.exceptions import ArchiveError as SevenZipError
from py7zr.io import BytesIOFactory

from indexer.errors import ENCRYPTED, ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions
from indexer.unlock import DECRYPTED

KIND = "archive"
ZIP = ("application/zip", "application/x-zip-compressed", "application/epub+zip")
TAR = ("application/x-tar", "application/x-gtar")
SEVEN_ZIP = "application/x-7z-compressed"
COMPRESSED = {"application/gzip": gzip.open, "application/x-gzip": gzip.open,
              "application/x-bzip2": bz2.open, "application/x-xz": lzma.open,
              "application/zstd": zstandard.open, "application/x-zstd": zstandard.open}
COMPRESSED.update({"application/x-lz4": lz4.frame.open})
ZLIB = "application/zlib"
BROTLI = "application/x-brotli"
MIME_TYPES = (*ZIP, *TAR, SEVEN_ZIP, *COMPRESSED, ZLIB, BROTLI)
BROTLI_STEP = 2**20  # bytes of output asked of the brotli decoder at a time

MAX_RATIO = 200  # a member unpacking to more than 200x its compressed size is a bomb


class _Budget:
    """Counts bytes and members taken from one container and stops at the limits."""

    def __init__(self, path: Path, options: ExtractOptions):
        self.path, self.options, self.bytes, self.members, self.skipped = path, options, 0, 0, 0

    def admit(self, size: int) -> bool:
        if self.members >= self.options.max_members:
            self.skipped += 1
            return False
        if self.bytes + size > self.options.max_container_bytes:
            raise TooLargeError(
                f"{self.path.name}: members unpack to more than "
                f"{self.options.max_container_bytes // 2**20} MiB (limit; raise "
                f"--max-container-mb to index it).")
        self.members += 1
        self.bytes += size
        return True

    def read(self, fh: IO[bytes]) -> bytes:
        limit = self.options.max_container_bytes - self.bytes
        data = fh.read(limit + 1)
        if len(data) > limit:
            raise TooLargeError(f"{self.path.name}: a member unpacks past the container limit "
                                f"of {self.options.max_container_bytes // 2**20} MiB.")
        return data


def _zip(path: Path, budget: _Budget) -> tuple[list[Child], list[str]]:
    children, notes = [], []
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            if info.flag_bits & 0x1:
                notes.append(f"{info.filename}: encrypted member skipped")
                continue
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO \
                    and info.file_size > 10 * 2**20:
                raise TooLargeError(f"{path.name}: member {info.filename} expands "
                                    f"{info.file_size // info.compress_size}x: a zip bomb.")
            if not budget.admit(info.file_size):
                continue
            with zf.open(info) as fh:
                data = budget.read(fh)
            budget.bytes += len(data) - info.file_size
            children.append(Child(info.filename, data))
    if not children and notes:
        raise ExtractionError(f"{path.name}: every member is encrypted.", reason=ENCRYPTED)
    return children, notes


def _tar(path: Path, budget: _Budget) -> tuple[list[Child], list[str]]:
    children = []
    with tarfile.open(path) as tf:
        for member in tf:
            if not member.isfile() or not budget.admit(member.size):
                continue
            fh = tf.extractfile(member)
            if fh is not None:
                children.append(Child(member.name, budget.read(fh)))
    return children, []


def _seven_zip_password(path: Path, passwords: tuple[str, ...]) -> str | None:
    """The first of `passwords` that opens a password-protected 7z archive (its members'
    checksums verify), or None."""
    for password in passwords:
        try:
            with py7zr.SevenZipFile(path, password=password) as sz:
                if sz.testzip() is None:
                    return password
        except (SevenZipError, lzma.LZMAError, EOFError, OSError, ValueError, KeyError):
            continue
    return None


def _seven_zip(path: Path, budget: _Budget) -> tuple[list[Child], list[str]]:
    password, notes = None, []
    with py7zr.SevenZipFile(path) as sz:
        locked = sz.needs_password()
    if locked:
        password = _seven_zip_password(path, budget.options.passwords)
        if password is None:
            raise ExtractionError(f"{path.name}: the 7z archive is password-protected.",
                                  reason=ENCRYPTED)
        notes.append(DECRYPTED)
    with py7zr.SevenZipFile(path, password=password) as sz:
        infos = [i for i in sz.list() if not i.is_directory]
        wanted = [i.filename for i in infos if budget.admit(i.uncompressed)]
        if not wanted:
            return [], notes
        limit = budget.options.max_container_bytes
        factory = BytesIOFactory(limit)
        sz.extract(targets=wanted, factory=factory)
    children = []
    for name, product in sorted(factory.products.items()):
        product.seek(0)
        children.append(Child(name, product.read()))
    return children, notes


def _compressed(path: Path, budget: _Budget, opener) -> tuple[list[Child], list[str]]:
    with opener(path, "rb") as fh:
        head = fh.peek(512)[:512] if hasattr(fh, "peek") else b""
    if len(head) >= 262 and head[257:262] == b"ustar":
        return _tar(path, budget)
    with opener(path, "rb") as fh:
        data = budget.read(fh)
    budget.admit(len(data))
    name = path.name.rsplit(".", 1)[0] if "." in path.name else path.name + ".out"
    return [Child(name, data)], []


def _zlib(path: Path, budget: _Budget) -> tuple[list[Child], list[str]]:
    # A bare zlib stream (no name, no size): inflate up to the container limit.
    inflater = zlib.decompressobj()
    data = inflater.decompress(path.read_bytes(), budget.options.max_container_bytes + 1)
    if len(data) > budget.options.max_container_bytes:
        raise TooLargeError(f"{path.name}: the stream inflates past the container limit of "
                            f"{budget.options.max_container_bytes // 2**20} MiB.")
    budget.admit(len(data))
    return [Child(path.stem + ".out" if "." not in path.name else path.stem, data)], []


def is_brotli(path: Path, head: bytes) -> bool:
    """Brotli has no signature: a file named .br whose first bytes decode as brotli (which
    random bytes almost never do) is taken for one. The name only says what to try."""
    if not path.name.lower().endswith(".br") or not head:
        return False
    try:
        brotli.Decompressor().process(head, output_buffer_limit=BROTLI_STEP)
    except brotli.error:
        return False
    return True


def _brotli(path: Path, budget: _Budget) -> tuple[list[Child], list[str]]:
    decoder, limit, out = brotli.Decompressor(), budget.options.max_container_bytes, []
    size, data = 0, path.read_bytes()
    while True:
        chunk = decoder.process(data, output_buffer_limit=BROTLI_STEP)
        data = b""
        size += len(chunk)
        out.append(chunk)
        if size > limit:
            raise TooLargeError(f"{path.name}: the stream decompresses past the container "
                                f"limit of {limit // 2**20} MiB.")
        if decoder.is_finished() or (not chunk and decoder.can_accept_more_data()):
            break
    if not decoder.is_finished():
        raise ExtractionError(f"{path.name}: the brotli stream is truncated.")
    budget.admit(size)
    return [Child(path.name[:-3] or "stream.out", b"".join(out))], []


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """List an archive and return its members as children (page 1 lists the members).

    Raises TooLargeError for bombs and archives past the size limit, ExtractionError for
    damaged or encrypted archives.
    """
    budget = _Budget(path, options)
    try:
        with path.open("rb") as fh:
            magic = fh.read(8)
        if magic.startswith(b"PK"):
            children, notes = _zip(path, budget)
        elif magic.startswith(b"7z\xbc\xaf\x27\x1c"):
            children, notes = _seven_zip(path, budget)
        elif magic[:2] == b"\x1f\x8b":
            children, notes = _compressed(path, budget, gzip.open)
        elif magic[:3] == b"BZh":
            children, notes = _compressed(path, budget, bz2.open)
        elif magic[:6] == b"\xfd7zXZ\x00":
            children, notes = _compressed(path, budget, lzma.open)
        elif magic[:1] == b"\x78" and int.from_bytes(magic[:2], "big") % 31 == 0:
            children, notes = _zlib(path, budget)
        elif magic[:4] == b"\x28\xb5\x2f\xfd":
            children, notes = _compressed(path, budget, zstandard.open)
        elif magic[:4] == b"\x04\x22\x4d\x18":
            children, notes = _compressed(path, budget, lz4.frame.open)
        elif is_brotli(path, magic):
            children, notes = _brotli(path, budget)
        else:
            children, notes = _tar(path, budget)
    except (zipfile.BadZipFile, tarfile.TarError, SevenZipError, EOFError, OSError,
            lzma.LZMAError, zipfile.LargeZipFile, NotImplementedError,
            zstandard.ZstdError, zlib.error, brotli.error) as exc:
        raise ExtractionError(f"{path.name}: the archive is damaged ({exc}).") from exc
    except RuntimeError as exc:  # zipfile raises it for a password-protected member
        raise ExtractionError(f"{path.name}: the archive is password-protected ({exc}).",
                              reason=ENCRYPTED) from exc
    if budget.skipped:
        notes.append(f"{budget.skipped} members past the limit of {options.max_members} skipped")
    listing = "\n".join(c.name for c in children)
    return Extracted(pages=[listing], children=children, expects_text=False,
                     metadata={"members": len(children), **({"notes": notes} if notes else {})})
