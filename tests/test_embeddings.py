"""Sentence embeddings: computed at index time, caught up later, and the vector index as a
projection of the catalog."""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from archive import embeddings
from archive.catalog import connect
from archive.config import Settings
from indexer import embed
from indexer.run import index_collection
from tests.conftest import SAMPLE, alive
from tests.test_resilience import catalog_count, docket, make_collection


def test_embeddings_are_computed_at_index_time(linked, tmp_path):
    settings, conn, _, _ = linked
    readable = "FROM documents WHERE present = 1 AND status = 'ok'"
    embedded = conn.execute(f"SELECT COUNT(DISTINCT doc_id) FROM chunks WHERE doc_id IN "
                            f"(SELECT doc_id {readable})").fetchone()[0]
    readable = conn.execute(f"SELECT COUNT(*) {readable}").fetchone()[0]
    assert embedded == readable
    assert embed.pending(conn) == []
    folder = tmp_path / "few"
    folder.mkdir()
    shutil.copy(SAMPLE / "letters" / "letter-012-en-translation.txt", folder)
    quick = Settings(var=tmp_path / "var", jobs=1, embeddings=False)
    assert index_collection(quick, folder).embedded == 0
    few = connect(quick.catalog_path)
    assert len(embed.pending(few)) == 1  # left for later: the next run or a relink
    assert index_collection(Settings(var=tmp_path / "var", jobs=1), folder).embedded == 1
    embeddings.vector_path(few).unlink()  # killed after the vectors' commit, before the file
    assert index_collection(Settings(var=tmp_path / "var", jobs=1), folder).embedded == 0
    assert not embeddings.vectors_stale(few)  # the next run brought it back
    units = embeddings.document_units(few, few.execute("SELECT doc_id FROM documents")
                                      .fetchone()[0])
    stored = few.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    few.close()
    assert stored == len(units) > 3


def test_the_vector_index_is_a_projection_rebuilt_when_lost(linked, tmp_path):
    settings, conn, _, _ = linked
    shutil.copy(settings.catalog_path, tmp_path / "catalog.sqlite")
    copy = connect(tmp_path / "catalog.sqlite")
    assert not embeddings.vectors_stale(conn)  # the index run wrote it
    assert embeddings.vectors_stale(copy)  # no file beside the copied catalog
    embed.ensure_embeddings(copy)  # a run after a crash: the file is rebuilt
    vectors = embeddings.VectorIndex(embeddings.vector_path(copy), copy)
    stored = copy.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert len(vectors) == stored and not embeddings.vectors_stale(copy)
    doc_id, n, blob = copy.execute("SELECT doc_id, n, vector FROM chunks LIMIT 1").fetchone()
    query = np.frombuffer(blob, dtype=np.float16).astype(np.float32)[None, :]
    keys, sims = vectors.search(query, 3)[0]
    assert int(keys[0]) == embeddings.unit_key(doc_id, n) and sims[0] > 0.99
    assert vectors.present_documents(keys[:1]) == {int(keys[0]): doc_id}
    embeddings.vector_path(copy).write_bytes(b"not an index")  # damaged on disk
    assert len(embeddings.VectorIndex(embeddings.vector_path(copy), copy)) == stored
    copy.close()


def test_the_vector_index_is_split_into_shards_that_answer_as_one(linked, tmp_path,
                                                                  monkeypatch):
    """Past SHARD_UNITS vectors a new file starts and the full ones are memory-mapped, so
    the writer's memory stays flat; searches and lookups see every shard."""
    settings, conn, _, _ = linked
    shutil.copy(settings.catalog_path, tmp_path / "catalog.sqlite")
    copy = connect(tmp_path / "catalog.sqlite")
    stored = copy.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    monkeypatch.setattr(embeddings, "SHARD_UNITS", max(2, stored // 3))
    writing = embeddings.VectorIndex(embeddings.vector_path(copy), copy, writable=True)
    assert writing.add_missing(batch=2) == stored  # a shard fills between two batches
    writing.save()
    files = embeddings.vector_files(embeddings.vector_path(copy))
    assert len(files) >= 3
    vectors = embeddings.VectorIndex(embeddings.vector_path(copy), copy)
    assert len(vectors) == stored and len(vectors.sealed) == len(files) - 1
    for doc_id, n, blob in copy.execute("SELECT doc_id, n, vector FROM chunks "
                                        "ORDER BY doc_id DESC LIMIT 5"):
        query = np.frombuffer(blob, dtype=np.float16).astype(np.float32)[None, :]
        keys, sims = vectors.search(query, 4)[0]
        assert int(keys[0]) == embeddings.unit_key(doc_id, n) and sims[0] > 0.99
        assert list(sims) == sorted(sims, reverse=True) and len(keys) == 4
        found = vectors.vectors(keys[:1])[0]
        assert float(found @ query[0]) > 0.99
    assert embed.sync_vectors(copy) == 0  # nothing lacking: nothing added twice
    assert not embeddings.vectors_stale(copy)
    copy.close()


def test_sentence_units_split_scripts_and_cap_length():
    text = "First sentence is here and long. Second one ends with a question?\n\n" \
           "جملة عربية طويلة بما يكفي للاختبار؟ وأخرى تليها هنا أيضا.\n" + "x" * 700
    units = embeddings.split_sentences(text)
    assert units[0] == "First sentence is here and long."
    assert "جملة عربية طويلة بما يكفي للاختبار؟" in units
    assert max(len(u) for u in units) <= embeddings.UNIT_CHARS
    many = embeddings.units_of("Title", [(n, f"Sentence number {n} is long enough here.")
                                         for n in range(1, 101)])
    assert len(many) == embeddings.MAX_UNITS and many[0] == (1, "Title")
    assert many[-1][0] > 90  # spread over the whole document, not its first pages


def _children(pid: int) -> set[int]:
    """The live processes whose parent is `pid`."""
    out = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                out.add(int(entry.name))
    return out


@pytest.mark.slow
def test_kill_9_while_embedding_leaves_no_worker_and_no_partial_document(tmp_path):
    folder, var = tmp_path / "c", tmp_path / "var"
    make_collection(folder, 400)
    index_collection(Settings(var=var, jobs=2, embeddings=False), folder)
    proc = docket("index", str(folder), "--var", str(var), "-j", "2", "-q")
    deadline = time.monotonic() + 300
    chunks = "SELECT COUNT(*) FROM chunks"
    while catalog_count(var, chunks) == 0 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert proc.poll() is None, "the run finished before it could be killed; grow the collection"
    workers = _children(proc.pid)
    assert workers, "the embedding phase runs in worker processes"
    os.kill(proc.pid, signal.SIGKILL)  # the indexer alone: its workers must follow it
    proc.communicate()
    deadline = time.monotonic() + 60  # generous: the machine may be loaded
    while any(alive(p) for p in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [p for p in workers if alive(p)], "worker processes outlived the indexer"
    conn = connect(var / "catalog.sqlite")
    for doc_id, stored in conn.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id"):
        assert stored == len(embeddings.document_units(conn, doc_id)), doc_id  # whole or none
    assert 0 < len(embed.pending(conn)) < 400  # killed half way: the rest is pending
    conn.close()
    assert index_collection(Settings(var=var, jobs=2), folder).embedded > 0
    conn = connect(var / "catalog.sqlite")
    assert embed.pending(conn) == [] and not embeddings.vectors_stale(conn)
    conn.close()
