"""--rebuild-index builds a new index in a folder of its own and swaps it in: searches keep
answering from the old one meanwhile, and a kill -9 mid-rebuild leaves the old one whole."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from archive.config import Settings
from indexer import rebuild
from indexer.run import index_collection
from indexer.write import CatalogWriter
from tests.conftest import ROOT

COUNT = 12
FOLDER = {"whoosh": "index", "xapian": "xapian"}


def docket(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cli", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def hits(var: Path, query: str = "library") -> int:
    """How many documents `docket search` finds: a reader in a process of its own."""
    result = docket("search", query, "--var", var, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["total"]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """One small archive per engine, indexed once; tests work on copies of its var/."""
    made = {}

    def get(engine: str) -> tuple[Path, Path]:
        if engine not in made:
            base = tmp_path_factory.mktemp(engine)
            folder = base / "c"
            folder.mkdir()
            for i in range(COUNT):
                (folder / f"note-{i:02d}.txt").write_text(
                    f"note {i} on the library books and the caravan\n", encoding="utf-8")
            index_collection(Settings(var=base / "var", jobs=1, embeddings=False,
                                      engine=engine), folder)
            made[engine] = folder, base / "var"
        return made[engine]

    return get


def copy_archive(built, engine: str, tmp_path: Path) -> tuple[Path, Path]:
    folder, var = built(engine)
    shutil.copytree(var, tmp_path / "var")
    return folder, tmp_path / "var"


def recorded_engine(var: Path) -> str:
    conn = sqlite3.connect(var / "catalog.sqlite")
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'engine'").fetchone()
    finally:
        conn.close()
    return row[0] if row else "whoosh"


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_searches_during_a_rebuild_answer_from_the_old_index(built, tmp_path, monkeypatch,
                                                             engine):
    _, var = copy_archive(built, engine, tmp_path)
    live = var / FOLDER[engine]
    old_inode = live.stat().st_ino
    monkeypatch.setattr(rebuild, "CHUNK", 3)  # several steps, a search between each
    seen = []

    def search_meanwhile(done: int) -> None:
        assert rebuild.build_folder(live).is_dir()  # the new index is being made...
        assert live.stat().st_ino == old_inode  # ...beside the old one, still in place
        seen.append((done, hits(var)))

    writer = CatalogWriter(Settings(var=var))
    try:
        assert writer.sync_index(rebuild=True, progress=search_meanwhile) == COUNT
    finally:
        writer.close()
    assert seen == [(3, COUNT), (6, COUNT), (9, COUNT), (12, COUNT)]
    assert live.stat().st_ino != old_inode  # swapped in
    assert not list(var.glob(f"{FOLDER[engine]}.build-*"))  # and the old one removed
    assert hits(var) == COUNT


KILLED_REBUILD = """
import os, signal, sys
from pathlib import Path
from archive.config import Settings
from indexer import rebuild
from indexer.write import CatalogWriter

rebuild.CHUNK = 3
def kill_at(done):
    if done >= 6:  # half the documents are in the new index
        os.kill(os.getpid(), signal.SIGKILL)
CatalogWriter(Settings(var=Path(sys.argv[1]), engine=sys.argv[2])).sync_index(
    rebuild=True, progress=kill_at)
"""


@pytest.mark.parametrize("engine, target", [("whoosh", "whoosh"), ("xapian", "xapian"),
                                            ("whoosh", "xapian")])
def test_kill_9_mid_rebuild_leaves_the_old_index_searchable(built, tmp_path, engine, target):
    folder, var = copy_archive(built, engine, tmp_path)
    killed = subprocess.run([sys.executable, "-c", KILLED_REBUILD, str(var), target],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert killed.returncode == -9, killed.stderr
    assert list(var.glob(f"{FOLDER[target]}.build-*"))  # killed with the new index half made
    assert recorded_engine(var) == engine  # the archive is still served by the old index
    assert hits(var) == COUNT

    # An ordinary run still works on the old index; the next rebuild clears what was left.
    assert docket("index", folder, "--var", var, "-q", "--no-embeddings").returncode == 0
    assert hits(var) == COUNT
    again = docket("index", folder, "--var", var, "--rebuild-index", "--engine", target)
    assert again.returncode == 0, again.stderr
    assert f"Rebuilt the search index from the catalog: {COUNT} documents" in again.stdout
    assert not list(var.glob(f"{FOLDER[target]}.build-*"))
    assert recorded_engine(var) == target
    assert hits(var) == COUNT


def test_the_exchange_swaps_two_folders_in_one_step(tmp_path):
    (tmp_path / "live").mkdir()
    (tmp_path / "live" / "old").write_text("old")
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "fresh").write_text("fresh")
    aside = rebuild._swap_in(tmp_path / "new", tmp_path / "live")
    assert (tmp_path / "live" / "fresh").exists() and (aside / "old").exists()


def test_without_the_exchange_a_swap_cut_between_its_renames_is_put_back(tmp_path,
                                                                        monkeypatch):
    monkeypatch.setattr(rebuild, "_exchange", lambda a, b: False)  # not Linux, say
    live, new = tmp_path / "index", tmp_path / "index.build-1"
    live.mkdir()
    (live / "old").write_text("old")
    new.mkdir()
    aside = rebuild._swap_in(new, live)
    assert (live.exists(), aside.name) == (True, f"index.build-{os.getpid()}-old")
    # What a kill between the two renames leaves: the old index aside, no index folder.
    shutil.rmtree(live)
    rebuild.restore_interrupted_swap(live)
    assert (live / "old").read_text() == "old"
