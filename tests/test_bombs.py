"""Archive bombs made of nesting: identical members extracted once, and a work budget per
top-level file."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import WORK_BUDGET_FACTOR, index_collection


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
