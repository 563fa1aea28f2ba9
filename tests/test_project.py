"""The projector process: the index written while extraction goes on, claims kept honest."""

from pathlib import Path

from archive.catalog import connect
from archive.config import Settings
from archive.engines import open_index
from indexer import project, run
from indexer.project import CLAIMED, Projector
from indexer.run import index_collection
from indexer.write import CatalogWriter
from tests.test_resilience import make_collection


def _flags(settings: Settings) -> dict[str, int]:
    conn = connect(settings.catalog_path, readonly=True)
    try:
        return {r[0]: r[1] for r in conn.execute("SELECT doc_id, indexed FROM documents")}
    finally:
        conn.close()


def _indexed(tmp_path: Path, count: int) -> tuple[Settings, CatalogWriter]:
    """An archive of `count` letters, indexed, and a writer on it (close it)."""
    settings = Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False)
    folder = make_collection(tmp_path / "c", count)
    index_collection(settings, folder)
    return settings, CatalogWriter(settings, folder)


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
    summary = index_collection(settings, make_collection(tmp_path / "c", 12))
    assert summary.indexed == 12 and summary.searchable_seconds is not None
    assert used and used[0] >= 3  # the projector wrote them, not only the final sync
    assert set(_flags(settings).values()) == {1}
    assert open_index(settings).doc_count() == 12


def test_a_document_changed_while_claimed_is_projected_again(tmp_path):
    settings, writer = _indexed(tmp_path, 6)
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
    settings, writer = _indexed(tmp_path, 4)
    try:
        writer.conn.execute("UPDATE documents SET indexed = ?", (CLAIMED,))
        assert writer.sync_index() == 4
    finally:
        writer.close()
    assert set(_flags(settings).values()) == {1}
    assert open_index(settings).doc_count() == 4
