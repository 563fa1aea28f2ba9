"""Excel binary workbooks (.xlsb): the records of each sheet, read after MS-XLSB, as rows
of tab-separated cells (strings, numbers, booleans, formula results)."""

from __future__ import annotations

import re
import struct
import zipfile
from collections.abc import Callable, Iterator

# Record types (MS-XLSB 2.3): row header, then cells by the kind of value they hold.
ROW, SST_ITEM = 0, 19
RK, ERROR, BOOL, REAL, STRING, SHARED = 2, 3, 4, 5, 6, 7
FORMULA_STRING, FORMULA_NUMBER, FORMULA_BOOL = 8, 9, 10
_SHEET = re.compile(r"xl/worksheets/sheet(\d+)\.bin$")


def records(data: bytes) -> Iterator[tuple[int, bytes]]:
    """(type, body) of each record: type and size are 7-bit varints (1-2 and 1-4 bytes)."""
    at, end = 0, len(data)
    while at < end:
        kind, at = _varint(data, at, 2)
        size, at = _varint(data, at, 4)
        yield kind, data[at:at + size]
        at += size


def _varint(data: bytes, at: int, most: int) -> tuple[int, int]:
    value = 0
    for shift in range(most):
        if at >= len(data):
            raise ValueError("a record runs past the end of its part")
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << (7 * shift)
        if not byte & 0x80:
            break
    return value, at


def _wide(body: bytes, at: int) -> str:
    (length,) = struct.unpack_from("<I", body, at)
    return body[at + 4:at + 4 + 2 * length].decode("utf-16-le", "replace")


def _rk(raw: int) -> str:
    # RkNumber: 30 bits of an integer or of a double's top, maybe divided by 100
    value = (raw >> 2) if raw & 2 else struct.unpack("<d", struct.pack("<Q", (raw & ~3) << 32))[0]
    if raw & 2 and raw & 0x80000000:
        value -= 1 << 30
    value = value / 100 if raw & 1 else value
    return f"{value:g}"


def _cell(kind: int, body: bytes, shared: list[str]) -> str | None:
    if kind == SHARED:
        index = struct.unpack_from("<I", body, 8)[0]
        return shared[index] if index < len(shared) else ""
    if kind in (STRING, FORMULA_STRING):
        return _wide(body, 8)
    if kind in (REAL, FORMULA_NUMBER):
        return f"{struct.unpack_from('<d', body, 8)[0]:g}"
    if kind == RK:
        return _rk(struct.unpack_from("<I", body, 8)[0])
    if kind in (BOOL, FORMULA_BOOL):
        return "TRUE" if body[8] else "FALSE"
    return None


def xlsb_pages(zf: zipfile.ZipFile, read: Callable[[zipfile.ZipFile, str], bytes]) -> list[str]:
    """One page per sheet, in the order of the sheets' numbers; `read` takes a part out of
    the package within the limits of the caller (office.py's). Raises ValueError or
    struct.error on damaged records."""
    shared = []
    if "xl/sharedStrings.bin" in zf.namelist():
        shared = [_wide(body, 1) for kind, body in records(read(zf, "xl/sharedStrings.bin"))
                  if kind == SST_ITEM]
    sheets = sorted((n for n in zf.namelist() if _SHEET.match(n)),
                    key=lambda n: int(_SHEET.match(n).group(1)))
    pages = []
    for name in sheets:
        rows: list[list[str]] = []
        for kind, body in records(read(zf, name)):
            if kind == ROW:
                rows.append([])
            elif rows and (value := _cell(kind, body, shared)) is not None:
                rows[-1].append(value)
        pages.append("\n".join("\t".join(r) for r in rows if any(c.strip() for c in r)))
    return pages
