"""Database files: dBASE tables (.dbf), SQLite and Access (.mdb/.accdb) databases, read as
rows of text."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from archive.encodings import decode
from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors.text import paginate
from indexer.tools import run_tool

KIND = "spreadsheet"
DBF = ("application/x-dbf", "application/dbase", "application/x-dbase")
SQLITE = ("application/vnd.sqlite3", "application/x-sqlite3")
ACCESS = ("application/x-msaccess", "application/vnd.ms-access", "application/msaccess")
MIME_TYPES = (*DBF, *SQLITE, *ACCESS)
MDBTOOLS = "mdbtools"
MAX_CHARS = 20_000_000  # text kept from one database; the rest is noted, not read


def _dbf(path: Path) -> Extracted:
    data = path.read_bytes()
    if len(data) < 32:
        raise ExtractionError(f"{path.name}: the dBASE file is truncated.")
    count, header, record = struct.unpack("<IHH", data[4:12])
    fields, pos = [], 32
    while pos + 32 <= header and data[pos] != 0x0D:
        name = data[pos:pos + 11].split(b"\x00", 1)[0].decode("latin-1")
        fields.append((name, data[pos + 16]))
        pos += 32
    lines = ["\t".join(name for name, _ in fields)]
    chars = 0
    for i in range(count):
        start = header + i * record
        row = data[start:start + record]
        if len(row) < record or row[:1] == b"*":  # past the end, or a deleted record
            continue
        cells, at = [], 1
        for _, width in fields:
            cells.append(row[at:at + width])
            at += width
        lines.append(b"\t".join(c.strip() for c in cells))
        chars += record
        if chars > MAX_CHARS:
            break
    body = b"\n".join(line if isinstance(line, bytes) else line.encode() for line in lines[1:])
    text, encoding = decode(body)
    return Extracted(pages=paginate(lines[0] + "\n" + text),
                     metadata={"records": count, "fields": len(fields), "encoding": encoding})


def _sqlite(path: Path) -> Extracted:
    # Read-only and immutable: nothing is written beside the file, no journal is replayed.
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        tables = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        pages, chars = [], 0
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table.replace(chr(34), chr(34) * 2)}"')
            lines = [table, "\t".join(d[0] for d in cursor.description or ())]
            for row in cursor:
                line = "\t".join("" if v is None else v.decode("utf-8", "replace")
                                 if isinstance(v, bytes) else str(v) for v in row)
                lines.append(line)
                chars += len(line)
                if chars > MAX_CHARS:
                    break
            pages.append("\n".join(lines))
            if chars > MAX_CHARS:
                break
    finally:
        conn.close()
    return Extracted(pages=pages, metadata={"tables": len(tables)})


def _access(path: Path, options: ExtractOptions) -> Extracted:
    # mdbtools reads Jet 3/4 (.mdb) and ACE (.accdb) files; each table is exported as
    # tab-separated rows under its name and its column names.
    listed = run_tool(["mdb-tables", "-1", "--", str(path)], path, options, MDBTOOLS)
    if listed.returncode != 0:
        raise ExtractionError(f"{path.name}: the Access database cannot be read "
                              f"({listed.stderr.decode('utf-8', 'replace').strip()[:200]}).")
    tables = [t for t in listed.stdout.decode("utf-8", "replace").splitlines() if t.strip()]
    pages, chars = [], 0
    for table in tables:
        rows = run_tool(["mdb-export", "-d", "\t", "-Q", "-D", "%Y-%m-%d", "-T",
                         "%Y-%m-%d %H:%M:%S", "--", str(path), table], path, options, MDBTOOLS)
        text = rows.stdout.decode("utf-8", "replace")[:max(0, MAX_CHARS - chars)]
        chars += len(text)
        pages.append(f"{table}\n{text.strip()}")
        if chars >= MAX_CHARS:
            break
    return Extracted(pages=pages, metadata={"tables": len(tables)})


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Rows as tab-separated text: one page per SQLite or Access table, dBASE pages of ~20k
    characters.

    Raises ExtractionError when the file is damaged.
    """
    try:
        with path.open("rb") as fh:
            head = fh.read(32)
        if head[:16] == b"SQLite format 3\x00":
            return _sqlite(path)
        if head[4:19] in (b"Standard Jet DB", b"Standard ACE DB"):
            return _access(path, options)
        return _dbf(path)
    except (sqlite3.Error, struct.error, OSError) as exc:
        raise ExtractionError(f"{path.name}: the database is damaged ({exc}).") from exc
