"""File names that are not UTF-8 (releases copied from old Windows and DOS machines)."""

from __future__ import annotations

import os
from pathlib import Path

from app import create_app
from archive.catalog import Catalog
from archive.config import Settings
from archive.filenames import readable_names, real_path
from indexer.run import index_collection


def _write(folder: Path, raw_name: bytes, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    with open(os.path.join(os.fsencode(folder), raw_name), "w", encoding="utf-8") as f:
        f.write(text)


def test_legacy_names_read_as_windows_arabic_and_never_collide():
    legacy = os.fsdecode("رسالة.txt".encode("cp1256"))
    shown = readable_names([legacy, "plain.txt"])
    assert shown == {legacy: "رسالة.txt", "plain.txt": "plain.txt"}
    both = readable_names([legacy, "رسالة.txt"])  # the same reading, once in UTF-8
    assert both["رسالة.txt"] == "رسالة.txt" and both[legacy] != "رسالة.txt"
    assert both[legacy].startswith("رسالة~") and both[legacy].endswith(".txt")


def test_a_run_over_names_that_are_not_utf8_indexes_every_file(tmp_path: Path):
    folder = tmp_path / "c"
    _write(folder, b"bad-\xff.txt", "The caravan reached the valley before winter.\n")
    _write(folder, "رسالة.txt".encode("cp1256"), "رسالة الأخ الكريم عن المكتبة والكتب\n")
    _write(folder, "رسالة.txt".encode(), "A second letter, named the same in UTF-8.\n")
    _write(folder / os.fsdecode(b"old-\xe4"), b"note.txt", "A note in a folder of cp1256 name.\n")
    _write(folder, b"ok.txt", "Plain name, plain text.\n")
    settings = Settings(var=tmp_path / "var", jobs=2, ocr=False, embeddings=False)
    summary = index_collection(settings, folder)
    assert summary.added == 5 and not summary.failed
    catalog = Catalog(settings.catalog_path)
    paths = {r[0]: r[1] for r in catalog.conn.execute("SELECT path, doc_id FROM paths")}
    assert {"bad-ے.txt", "رسالة.txt", "ok.txt", "old-ن/note.txt"} <= set(paths)
    assert len(paths) == 5
    client = create_app(settings).test_client()
    with client.get(f"/d/{paths['old-ن/note.txt']}/original") as original:
        assert original.status_code == 200 and b"folder of cp1256 name" in original.data
    assert real_path(folder, "bad-ے.txt").read_bytes().startswith(b"The caravan")
    found = client.get("/search.json", query_string={"q": "caravan"}).get_json()
    assert [h["paths"] for h in found["hits"]] == [["bad-ے.txt"]]
    catalog.close()
    again = index_collection(settings, folder)
    assert again.extracted == 0 and again.unchanged == 5


def test_entries_left_out_are_counted_and_listed_and_hidden_files_are_content(tmp_path: Path):
    import json
    import socket

    from click.testing import CliRunner

    from cli import main

    folder = tmp_path / "c"
    _write(folder, b".plan.doc", "The plan for the caravan, kept in a hidden file.\n")
    _write(folder, b"letter.txt", "A letter about the library.\n")
    _write(folder, b".DS_Store", "finder metadata")
    _write(folder, b"._letter.txt", "resource fork")
    _write(folder / ".git", b"HEAD", "ref: refs/heads/main\n")
    (folder / "link.txt").symlink_to(folder / "letter.txt")
    os.mkfifo(folder / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(folder / "sock"))
    runner = CliRunner()
    try:
        result = runner.invoke(main, ["index", str(folder), "--var", str(tmp_path / "var"),
                                      "--no-embeddings", "--json"])
    finally:
        sock.close()
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["added"] == 2  # .plan.doc is a release file like any other
    assert summary["skipped"] == {"special file": 2, "symbolic link": 1, "system file": 2,
                                  "version control": 1}
    assert {"path": ".git", "reason": "version control"} in summary["skipped_paths"]
    status = runner.invoke(main, ["status", "--var", str(tmp_path / "var")])
    assert "link.txt (symbolic link)" in status.output and "pipe (special file)" in status.output
    found = runner.invoke(main, ["search", "caravan", "--var", str(tmp_path / "var")])
    assert ".plan.doc" in found.output
    plain = runner.invoke(main, ["index", str(folder), "--var", str(tmp_path / "var"), "-q"])
    assert "Skipped 6 entries" in plain.output
