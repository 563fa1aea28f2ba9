"""The docket command line: exit codes, JSON output, incremental runs, status and show."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil

import pytest

from archive.catalog import Catalog
from archive.config import Settings, setting_help
from archive.errors import DocumentGoneError
from archive.model import SearchRequest
from archive.search import WhooshIndex
from cli import main
from tests.conftest import SAMPLE, TEST_CORPUS


def run(runner, *args, env=None):
    result = runner.invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    return result


def index_json(runner, folder, var, *extra):
    result = run(runner, "index", folder, "--var", var, "--json", "-q", "--no-ocr", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def collection(tmp_path):
    folder = tmp_path / "collection"
    (folder / "letters").mkdir(parents=True)
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "letters/a.txt")
    shutil.copy(SAMPLE / "letters/letter-012-en-translation.txt", folder / "letters/b.txt")
    shutil.copy(SAMPLE / "archives/correspondence-2010.zip", folder / "bundle.zip")
    return folder


@pytest.mark.parametrize("command", ["index", "status", "show", "search", "batch-search",
                                     "serve", "news add",
                                     "news list", "news show", "news search", "news relink",
                                     "editor add"])
def test_commands_have_help_with_an_example(runner, command):
    result = run(runner, *command.split(), "--help")
    assert result.exit_code == 0, result.output
    assert "Example:" in result.output
    assert "docket " + command in result.output


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_a_deleted_search_index_is_refilled_from_the_catalog_and_said_so(runner, collection,
                                                                         tmp_path, engine):
    # It used to come back empty for good: the catalog still marked every document indexed,
    # the rerun said "Nothing changed", and a search on the empty index raised.
    var = tmp_path / "var"
    code, first = index_json(runner, collection, var, "--no-embeddings", "--engine", engine)
    assert code == 0 and first["indexed"] == 6
    shutil.rmtree(var / ("xapian" if engine == "xapian" else "index"))
    result = run(runner, "index", collection, "--var", var, "--no-ocr", "--no-embeddings")
    assert "the search index was rebuilt from the catalog (6 documents)" in result.output
    found = run(runner, "search", "--var", var, "--json", "*")
    assert found.exit_code == 0 and json.loads(found.stdout)["total"] == 6
    again = run(runner, "index", collection, "--var", var, "--no-ocr", "--no-embeddings")
    assert "Nothing changed since the last run" in again.output


def test_every_setting_has_help_text():
    assert set(setting_help()) == set(Settings.__dataclass_fields__)
    assert all(text.strip() for text in setting_help().values())


def test_index_reports_added_then_nothing_on_a_second_run(runner, collection, tmp_path):
    var = tmp_path / "var"
    code, first = index_json(runner, collection, var)
    assert code == 0, first["failures"]
    assert first["added"] == 3 and first["failed"] == {}
    assert first["extracted"] == 6  # 3 files and the 3 members of the zip
    code, second = index_json(runner, collection, var)
    assert code == 0
    assert (second["added"], second["updated"], second["moved"], second["removed"]) == (0, 0, 0, 0)
    assert second["unchanged"] == 3 and second["extracted"] == 0
    result = run(runner, "index", collection, "--var", var, "--no-ocr")
    assert "Nothing changed since the last run" in result.output


def test_index_incremental_run_changes_exactly_what_changed(runner, collection, tmp_path):
    var = tmp_path / "var"
    index_json(runner, collection, var)
    catalog = Catalog(var / "catalog.sqlite")
    a_id = catalog.resolve("letters/a.txt")
    b_id = catalog.resolve("letters/b.txt")
    zip_members = {p for _, p in catalog.document(catalog.resolve("bundle.zip")).children}
    catalog.close()

    (collection / "letters/b.txt").write_text("A changed letter about the library.\n")
    (collection / "letters/a.txt").rename(collection / "moved-a.txt")
    (collection / "bundle.zip").rename(collection / "letters/bundle-renamed.zip")
    shutil.copy(SAMPLE / "letters/letter-009-ur.txt", collection / "new-ur.txt")
    code, summary = index_json(runner, collection, var)
    assert (summary["added"], summary["updated"], summary["moved"], summary["removed"],
            summary["unchanged"]) == (1, 1, 2, 0, 0)
    assert summary["extracted"] == 2  # the new file and the changed one, nothing else

    catalog = Catalog(var / "catalog.sqlite")
    moved = catalog.document(a_id)
    assert moved.paths == ("moved-a.txt",) and "letters/a.txt" in moved.former_paths
    renamed = catalog.document(catalog.resolve("letters/bundle-renamed.zip"))
    members = {p for _, p in renamed.children}
    assert members == {p.replace("bundle.zip", "letters/bundle-renamed.zip") for p in zip_members}
    with pytest.raises(DocumentGoneError):
        catalog.document(b_id)
    catalog.close()

    (collection / "new-ur.txt").unlink()
    code, summary = index_json(runner, collection, var)
    assert summary["removed"] == 1 and summary["extracted"] == 0
    index = WhooshIndex(var / "index")
    assert index.search(SearchRequest("مہنگائی")).total == 0
    assert index.search(SearchRequest("library")).total == 1


def test_index_exits_1_and_lists_failures_when_a_file_fails(runner, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    shutil.copy(TEST_CORPUS / "empty.txt", folder / "empty.txt")
    shutil.copy(SAMPLE / "broken/locked-statement.pdf", folder / "locked.pdf")
    shutil.copy(SAMPLE / "letters/letter-001-ar.txt", folder / "ok.txt")
    result = run(runner, "index", folder, "--var", tmp_path / "var", "-v", "--no-ocr")
    assert result.exit_code == 1, result.output
    assert "failed 1 (1 encrypted)" in result.output  # the 0-byte file has nothing to read
    assert "locked.pdf: the PDF is password-protected" in result.output
    code, summary = index_json(runner, folder, tmp_path / "var")
    assert code == 0 and summary["failed"] == {}  # nothing new failed: already recorded


def test_index_usage_error_exits_2(runner, tmp_path):
    result = runner.invoke(main, ["index", str(tmp_path / "missing")])
    assert result.exit_code == 2
    result = runner.invoke(main, ["index", str(tmp_path), "--jobs", "-3"])
    assert result.exit_code == 2


def test_index_refuses_a_var_of_another_collection(runner, collection, tmp_path):
    var = tmp_path / "var"
    index_json(runner, collection, var)
    other = tmp_path / "other"
    other.mkdir()
    result = run(runner, "index", other, "--var", var)
    assert result.exit_code == 1
    assert "holds the archive of" in result.output


def test_status_and_show_print_json_and_read_docket_var(runner, collection, tmp_path):
    var = tmp_path / "var"
    index_json(runner, collection, var)
    env = {"DOCKET_VAR": str(var)}
    result = run(runner, "status", "--json", env=env)
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    assert counts["documents"] == 6 and counts["languages"]["ar"] >= 3
    assert counts["kinds"]["archive"] == 1

    result = run(runner, "show", "letters/a.txt", "--json", env=env)
    doc = json.loads(result.stdout)
    assert set(doc) >= {"id", "sha256", "paths", "mime", "title", "languages", "pages",
                        "metadata", "status", "reason"}
    assert len(doc["id"]) == 16 and doc["sha256"].startswith(doc["id"])
    assert doc["languages"] == ["ar"] and doc["pages"][0]["languages"] == ["ar"]
    assert "الزاد الحقيقي" in doc["pages"][0]["text"]
    by_id = json.loads(run(runner, "show", doc["id"][:8], "--json", env=env).stdout)
    assert by_id["paths"] == doc["paths"]

    result = run(runner, "show", "no/such/file.txt", env=env)
    assert result.exit_code == 1 and "No document with id or path" in result.output


def test_rebuild_index_restores_search_without_reextracting(runner, collection, tmp_path):
    var = tmp_path / "var"
    index_json(runner, collection, var)
    shutil.rmtree(var / "index")
    result = run(runner, "index", collection, "--var", var, "--rebuild-index")
    assert result.exit_code == 0, result.output
    assert "6 documents" in result.output
    assert WhooshIndex(var / "index").search(SearchRequest("library")).total >= 1


def test_search_command_prints_hits_and_exits_2_on_bad_query(runner, collection, tmp_path):
    var = tmp_path / "var"
    index_json(runner, collection, var)
    result = run(runner, "search", "الرسالة", "--var", var, "--json")
    data = json.loads(result.stdout)
    assert data["total"] >= 1
    hit = data["hits"][0]
    assert set(hit) >= {"id", "paths", "title", "languages", "score", "snippets"}
    assert hit["snippets"][0]["page"] == 1 and "[[" in hit["snippets"][0]["text"]
    assert {f["value"] for f in data["facets"]["lang"]} >= {"ar"}
    result = run(runner, "search", "library OR الرسالة", "--var", var, "--json",
                 "-f", "lang:en")
    assert all(h["languages"] == ["en"] for h in json.loads(result.stdout)["hits"])
    result = run(runner, "search", "library", "--var", var)
    assert result.exit_code == 0 and "documents match 'library'" in result.output
    every = json.loads(run(runner, "search", "", "--var", var, "--json").stdout)
    assert every["total"] == 6 and len(every["hits"]) == 6
    assert "documents in the archive" in run(runner, "search", "", "--var", var).output
    for bad in ["*ab", "x" * 2000]:
        result = runner.invoke(main, ["search", bad, "--var", str(var)])
        assert result.exit_code == 2, bad
        assert "Error:" in result.output
    result = runner.invoke(main, ["search", "library", "--var", str(var), "-f", "colour:red"])
    assert result.exit_code == 2


def test_status_without_archive_says_how_to_build_it(runner, tmp_path):
    result = run(runner, "status", "--var", tmp_path / "nothing")
    assert result.exit_code == 1
    assert "docket index" in result.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file regardless of mode")
def test_index_records_unreadable_file(runner, tmp_path):
    folder = tmp_path / "c"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text("hidden")
    secret.chmod(0)
    code, summary = index_json(runner, folder, tmp_path / "var")
    assert code == 1 and summary["failed"] == {"unreadable": 1}


@pytest.mark.parametrize("path", ["letters/letter-001-ar.txt", "archives/correspondence-2010.zip"])
def test_show_json_is_the_sites_document_json_plus_news(runner, client, sample_archive, path):
    settings, _, _ = sample_archive
    result = run(runner, "show", path, "--var", settings.var, "--json")
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert isinstance(shown.pop("news"), list)
    assert shown == client.get(f"/d/{shown['id']}.json").get_json()


@pytest.fixture
def query_list(tmp_path):
    path = tmp_path / "queries.txt"
    path.write_text("# names to check\nالرسالة\n\n*ab\nlibrary\n=HYPERLINK(1)\n")
    return path


def test_batch_search_prints_a_table_and_exits_1_for_a_bad_query(runner, sample_archive,
                                                                  query_list):
    settings, _, _ = sample_archive
    result = run(runner, "batch-search", query_list, "--var", settings.var, "--limit", 2)
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["total", "query"]
    assert any(line.split()[:2] == ["error", "*ab"] for line in lines)
    assert "names to check" not in result.stdout
    assert "1 of 4 queries could not run" in result.stderr


def test_batch_search_json_matches_the_search_command(runner, sample_archive, query_list):
    settings, _, _ = sample_archive
    result = run(runner, "batch-search", query_list, "--var", settings.var, "--json",
                 "-f", "lang:ar", "--no-aliases")
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert [q["query"] for q in data["queries"]] == ["الرسالة", "*ab", "library", "=HYPERLINK(1)"]
    assert "error" in data["queries"][1] and "error" not in data["queries"][0]
    single = json.loads(run(runner, "search", "الرسالة", "--var", settings.var, "--json",
                            "-f", "lang:ar", "--no-aliases", "--limit", 5).stdout)
    first = data["queries"][0]
    assert first["total"] == single["total"]
    assert [h["id"] for h in first["hits"]] == [h["id"] for h in single["hits"]]
    assert set(first["hits"][0]) == set(single["hits"][0])


def test_batch_search_csv_reads_a_query_column_and_neutralises_formulas(runner, sample_archive,
                                                                        tmp_path):
    settings, _, _ = sample_archive
    path = tmp_path / "q.csv"
    path.write_text('id,query\n1,library\n2,"=HYPERLINK(1)"\n3,# skipped\n')
    result = run(runner, "batch-search", path, "--var", settings.var, "--csv", "--limit", 3)
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0][:4] == ["query", "total", "error", "rank"]
    library = [r for r in rows[1:] if r[0] == "library"]
    assert 1 <= len(library) <= 3 and library[0][1] == library[-1][1]
    assert [r[0] for r in rows[1:]][-1] == "'=HYPERLINK(1)"


def test_batch_search_usage_errors_exit_2(runner, sample_archive, tmp_path):
    settings, _, _ = sample_archive
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n\n")
    assert run(runner, "batch-search", empty, "--var", settings.var).exit_code == 2
    assert run(runner, "batch-search", tmp_path / "missing.txt").exit_code == 2
    assert run(runner, "batch-search", empty, "--json", "--csv").exit_code == 2


def test_serve_says_in_one_line_when_the_port_is_taken(runner, sample_archive):
    import socket

    settings, _, _ = sample_archive
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(main, ["serve", "--var", str(settings.var), "--port", str(port)])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and len(result.stderr.strip().splitlines()) == 1
    assert f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert "PORT=" in result.stderr


@pytest.mark.parametrize("command, shown", [
    ("serve", ["[default: 127.0.0.1]", "[default: 5000]", "[default: 8"]),
    ("index", ["[default: 120.0]", "[default: ocr]", "[default: 0]"]),
    ("search", ["[default: 20", "[default: relevance]"]),
    ("batch-search", ["[default: 5", "[default: aliases]"]),
])
def test_help_shows_the_defaults(runner, command, shown):
    result = run(runner, command, "--help")
    text = " ".join(result.output.split())
    for default in shown:
        assert default in text, (default, result.output)
