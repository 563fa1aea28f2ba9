"""The projector process: the index written while extraction goes on, claims kept honest."""

from pathlib import Path

from archive.catalog import connect
from archive.config import Settings
from archive.engines import open_index
from indexer import project, run
from indexer.project import CLAIMED, Projector
from indexer.run import index_collection
from indexer.write import CatalogWriter


def _collection(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        (folder / f"letter-{i:03d}.txt").write_text(
            f"The caravan reached valley number {i} before the winter rains.\n", "utf-8")
    return folder


def _flags(settings: Settings) -> dict[str, int]:
    conn = connect(settings.catalog_path, readonly=True)
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT doc_id, indexed FROM documents")}
    finally:
        conn.close()


def test_index_collection_projects_through_the_projector(tmp_path, monkeypatch):
    monkeypatch.setattr(project, "MIN_BATCH", 3)  # small batches: the projector runs often
    used = []

    class Watched(Projector):
        def close(self):
            super().close()
            used.append(self.projected)

    monkeypatch.setattr(run, "Projector", Watched)
    settings = Settings(var=tmp_path / "var", jobs=2, batch_size=2, ocr=False,
                        embeddings=False)
    summary = index_collection(settings, _collection(tmp_path / "c", 12))
    assert summary.indexed == 12 and summary.searchable_seconds is not None
    assert used and used[0] >= 3  # the projector wrote them, not only the final sync
    assert set(_flags(settings).values()) == {1}
    assert open_index(settings).doc_count() == 12


def test_a_document_changed_while_claimed_is_projected_again(tmp_path):
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    folder = _collection(tmp_path / "c", 6)
    index_collection(settings, folder)
    writer = CatalogWriter(settings, folder)
    try:
        writer.conn.execute("UPDATE documents SET indexed = 0")
        with Projector(settings, writer.conn) as projector:
            projector.poll(final=True)  # claims all six and hands them over
            changed = projector.batch[0]
            # the run changes one of them meanwhile (a new path, say): its flag goes back to 0
            writer.conn.execute("UPDATE documents SET indexed = 0 WHERE doc_id = ?", (changed,))
        flags = _flags(settings)
        assert flags.pop(changed) == 0 and set(flags.values()) == {1}
        assert writer.sync_index() == 1  # the next sync projects it again
    finally:
        writer.close()
    assert set(_flags(settings).values()) == {1}


def test_claims_left_by_a_killed_run_are_synced_next_time(tmp_path):
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    folder = _collection(tmp_path / "c", 4)
    index_collection(settings, folder)
    writer = CatalogWriter(settings, folder)
    try:
        writer.conn.execute("UPDATE documents SET indexed = ?", (CLAIMED,))
        assert writer.sync_index() == 4
    finally:
        writer.close()
    assert set(_flags(settings).values()) == {1}
    assert open_index(settings).doc_count() == 4
