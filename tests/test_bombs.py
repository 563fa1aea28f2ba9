"""Bombs: archives made of nesting (identical members extracted once, a work budget per
top-level file, a note where --max-depth stops) and PDFs that inflate past what a reader
can hold."""

from __future__ import annotations

import io
import shutil
import zipfile
import zlib
from pathlib import Path

from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import WORK_BUDGET_FACTOR, index_collection
from tests.conftest import SAMPLE


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def test_a_42_zip_of_identical_members_costs_one_extraction_per_level(tmp_path: Path):
    """Sixteen identical zips per level, five levels: a million leaves if unpacked
    naively, six documents in truth."""
    data = b"the same note in every box\n" * 20
    for _ in range(5):
        data = _zip({f"box-{i:02d}.zip" if data[:2] == b"PK" else f"note-{i:02d}.txt": data
                     for i in range(16)})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "42.zip").write_bytes(data)
    summary = index_collection(Settings(var=tmp_path / "var", jobs=2, ocr=False),
                               tmp_path / "c")
    assert summary.extracted == 6 and not summary.failed
    catalog = Catalog(tmp_path / "var" / "catalog.sqlite")
    counts = catalog.counts()
    paths = {r[0] for r in catalog.conn.execute("SELECT path FROM paths")}
    catalog.close()
    assert counts["documents"] == 6
    assert "42.zip!/box-15.zip" in paths  # every sibling is a path of the one document
    assert any(p.endswith("!/note-07.txt") for p in paths)


def test_nested_distinct_archives_stop_at_the_work_budget(tmp_path: Path):
    settings = Settings(var=tmp_path / "var", jobs=2, ocr=False, max_members=3)
    leaf = {f"n{i}.txt": f"note number {i} " .encode() * 30 for i in range(3)}
    middle = {f"m{j}.zip": _zip({f"{j}-{k}": v + bytes([65 + j]) for k, v in leaf.items()})
              for j in range(3)}
    top = {f"t{i}.zip": _zip({f"{i}-{k}": v + bytes([48 + i]) for k, v in middle.items()})
           for i in range(3)}
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "nest.zip").write_bytes(_zip(top))
    summary = index_collection(settings, tmp_path / "c")
    budget = settings.max_members * WORK_BUDGET_FACTOR
    assert summary.failed["too large"] > 0  # 3 + 9 + 27 members are more than 12
    assert summary.extracted <= 1 + budget + summary.failed["too large"]
    catalog = Catalog(settings.catalog_path)
    errors = [r[0] for r in catalog.conn.execute(
        "SELECT error FROM documents WHERE reason = 'too large'")]
    catalog.close()
    assert errors and all(f"more than {budget} files" in e for e in errors)


def flate_bomb_pdf(inflated_mib: int) -> bytes:
    """A one-page PDF whose content stream inflates to `inflated_mib` MiB of drawing
    instructions, built here so the repository holds no bomb: some 600 KB for 200 MiB."""
    deflate = zlib.compressobj(9)
    chunk = b"BT /F1 12 Tf 72 720 Td (bomb) Tj ET\n" * 29_000  # about 1 MiB
    stream = b"".join(deflate.compress(chunk) for _ in range(inflated_mib)) + deflate.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def test_a_flate_bomb_pdf_is_recorded_too_large_not_crashed(tmp_path: Path):
    (tmp_path / "c").mkdir()
    bomb = flate_bomb_pdf(200)
    assert len(bomb) < 2**20  # small on disk, 200 MiB once inflated
    (tmp_path / "c" / "bomb.pdf").write_bytes(bomb)
    shutil.copy(SAMPLE / "letters/letter-002-ar.pdf", tmp_path / "c" / "letter.pdf")
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    summary = index_collection(settings, tmp_path / "c")
    assert summary.failed == {"too large": 1}, summary.failures
    assert "bomb.pdf: page 1 inflates to more than 64 MiB" in summary.failures[0]["error"]
    catalog = Catalog(settings.catalog_path)
    assert catalog.document(catalog.resolve("bomb.pdf")).reason == "too large"
    assert catalog.document(catalog.resolve("letter.pdf")).status == "ok"
    catalog.close()


def test_a_pdf_page_under_the_inflation_limit_is_read(tmp_path: Path):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "dense.pdf").write_bytes(flate_bomb_pdf(2))
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    summary = index_collection(settings, tmp_path / "c")
    assert summary.failed == {} and summary.extracted == 1


def test_members_past_max_depth_leave_a_visible_note_on_their_parent(tmp_path: Path, runner):
    from cli import main

    data = b"a letter at the bottom of the nest\n" * 10
    for level in range(4):
        data = _zip({f"inner-{level}.{'txt' if level == 0 else 'zip'}": data})
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "nested.zip").write_bytes(data)
    var = tmp_path / "var"
    result = runner.invoke(main, ["index", str(tmp_path / "c"), "--var", str(var), "-q",
                                  "-v", "--max-depth", "2", "--no-embeddings"])
    assert result.exit_code == 0, result.output  # a note, not a failure
    parent = "nested.zip!/inner-3.zip!/inner-2.zip"
    note = (f"{parent}: its 1 members lie beyond depth 2 and were not unpacked (raise "
            f"--max-depth to unpack them).")
    assert f"Noted (1):\n  {note}" in result.output
    show = runner.invoke(main, ["show", parent, "--var", str(var)])
    assert "reason:      not unpacked" in show.output and note in show.output
    status = runner.invoke(main, ["status", "--var", str(var)])
    assert f"Notes (1):\n  not unpacked   {note}" in status.output

    from app import create_app

    client = create_app(Settings(var=var)).test_client()
    catalog = Catalog(var / "catalog.sqlite")
    doc_id = catalog.resolve(parent)
    catalog.close()
    page = client.get(f"/d/{doc_id}").get_data(as_text=True)
    assert "ok: not unpacked" in page and "were not unpacked" in page
