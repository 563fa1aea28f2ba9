"""Findings that stay: editors' tags, stars, notes and saved searches, editor-only, CSRF-
checked, kept across reindexing, tags a search filter and facet with either engine."""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from app import create_app
from archive import editors, findings
from archive.catalog import SCHEMA_VERSION, Catalog, connect
from archive.config import Settings
from archive.engines import open_index
from archive.errors import BadQueryError
from archive.model import SearchRequest
from archive.query import parse_query, split_catalog_terms
from indexer.run import index_collection
from indexer.write import CatalogWriter

LETTERS = {
    "letters/courier-1.txt": "The courier carried the letter to Peshawar in spring.\n",
    "letters/courier-2.txt": "A second letter about the courier and the library.\n",
    "reports/library.txt": "A report on the library books and the reading room.\n",
    "reports/weather.txt": "Rain fell on the mountains for three days.\n",
}
FINDINGS_TABLES = ("doc_tags", "doc_stars", "doc_notes", "saved_searches", "versions")


def make_archive(base, engine: str = "whoosh") -> tuple[Settings, dict[str, str]]:
    folder = base / "release"
    for rel, text in LETTERS.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)
    settings = Settings(var=base / "var", jobs=1, ocr=False, embeddings=False, engine=engine)
    index_collection(settings, folder)
    conn = connect(settings.catalog_path)
    editors.set_password(conn, "amira", "a long password")
    conn.close()
    catalog = Catalog(settings.catalog_path)
    ids = {rel: catalog.resolve(rel) for rel in LETTERS}
    catalog.close()
    return settings, ids


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    return make_archive(tmp_path_factory.mktemp("findings"))


@pytest.fixture
def archive(built, tmp_path):
    """A fresh copy of the indexed archive per test: the tests change its findings."""
    settings, ids = built
    shutil.copytree(settings.var, tmp_path / "var")
    return Settings(var=tmp_path / "var", jobs=1, ocr=False, embeddings=False), ids


@pytest.fixture
def client(archive):
    settings, _ = archive
    return create_app(Settings(var=settings.var)).test_client()


def token(client, url="/login") -> str:
    return client.get(url).get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]


def sign_in(client) -> str:
    response = client.post("/login", data={"name": "amira", "password": "a long password",
                                           "csrf_token": token(client)})
    assert response.status_code == 302, response.get_data(as_text=True)
    return token(client, "/")


def changes(doc_id: str) -> list[tuple[str, dict]]:
    return [(f"/d/{doc_id}/tags", {"tags": "courier"}),
            (f"/d/{doc_id}/tags/remove", {"tag": "courier"}),
            (f"/d/{doc_id}/star", {"star": "on"}),
            (f"/d/{doc_id}/notes", {"text": "A note", "page": "1"}),
            (f"/d/{doc_id}/notes/1/delete", {}),
            ("/searches", {"name": "Couriers", "q": "courier"}),
            ("/searches/delete", {"name": "Couriers"})]


def test_every_change_is_refused_to_anonymous_readers(client, archive):
    _, ids = archive
    for url, data in changes(ids["letters/courier-1.txt"]):
        response = client.post(url, data=data | {"csrf_token": token(client)})
        assert response.status_code == 403, url
    assert findings.tag_counts(connect(archive[0].catalog_path)) == []


def test_every_change_needs_the_csrf_token(client, archive):
    _, ids = archive
    sign_in(client)
    for url, data in changes(ids["letters/courier-1.txt"]):
        assert client.post(url, data=data).status_code == 400, url
        assert client.post(url, data=data | {"csrf_token": "forged"}).status_code == 400, url
    conn = connect(archive[0].catalog_path)
    assert findings.tag_counts(conn) == [] and findings.saved_searches(conn) == []


def test_a_change_from_another_site_is_refused(client, archive):
    _, ids = archive
    csrf = sign_in(client)
    response = client.post(f"/d/{ids['letters/courier-1.txt']}/tags",
                           data={"tags": "courier", "csrf_token": csrf},
                           headers={"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_an_editor_tags_stars_and_annotates_a_document(client, archive):
    _, ids = archive
    doc = ids["letters/courier-1.txt"]
    csrf = sign_in(client)
    assert client.post(f"/d/{doc}/tags", data={"tags": "Courier Letters, follow-up",
                                               "csrf_token": csrf}).status_code == 302
    client.post(f"/d/{doc}/star", data={"star": "on", "csrf_token": csrf})
    client.post(f"/d/{doc}/notes", data={"text": "Names <b>Peshawar</b>", "page": "",
                                         "csrf_token": csrf})
    client.post(f"/d/{doc}/notes", data={"text": "Check the date", "page": "1",
                                         "csrf_token": csrf})
    html = client.get(f"/d/{doc}").get_data(as_text=True)
    assert "courier-letters" in html and "follow-up" in html
    assert "★ Starred" in html and "Starred by amira" in html
    assert "Names &lt;b&gt;Peshawar&lt;/b&gt;" in html and "<b>Peshawar" not in html
    assert "On the document" in html and "Page 1</a>" in html and "Check the date" in html


def test_a_tag_is_removed_and_a_note_deleted(client, archive):
    settings, ids = archive
    doc = ids["letters/courier-1.txt"]
    csrf = sign_in(client)
    client.post(f"/d/{doc}/tags", data={"tags": "courier", "csrf_token": csrf})
    client.post(f"/d/{doc}/notes", data={"text": "short-lived", "csrf_token": csrf})
    note_id = findings.document_findings(connect(settings.catalog_path), doc, "amira") \
        .notes[0].note_id
    client.post(f"/d/{doc}/tags/remove", data={"tag": "courier", "csrf_token": csrf})
    client.post(f"/d/{doc}/notes/{note_id}/delete", data={"csrf_token": csrf})
    client.post(f"/d/{doc}/star", data={"star": "off", "csrf_token": csrf})
    found = findings.document_findings(connect(settings.catalog_path), doc, "amira")
    assert found.tags == () and found.notes == () and not found.starred


def test_malformed_findings_are_refused_with_a_reason(client, archive):
    _, ids = archive
    doc = ids["letters/courier-1.txt"]
    csrf = sign_in(client)
    bad_tag = client.post(f"/d/{doc}/tags", data={"tags": "no<tags>", "csrf_token": csrf})
    assert bad_tag.status_code == 400 and "is not a tag" in bad_tag.get_data(as_text=True)
    no_page = client.post(f"/d/{doc}/notes", data={"text": "x", "page": "9",
                                                   "csrf_token": csrf})
    assert no_page.status_code == 400 and "has no page 9" in no_page.get_data(as_text=True)
    unknown = client.post("/d/0123456789abcdef/tags", data={"tags": "x", "csrf_token": csrf})
    assert unknown.status_code == 404


def test_readers_see_nothing_of_the_findings(client, archive):
    _, ids = archive
    doc = ids["letters/courier-1.txt"]
    csrf = sign_in(client)
    client.post(f"/d/{doc}/tags", data={"tags": "secret-source", "csrf_token": csrf})
    client.post(f"/d/{doc}/notes", data={"text": "Private remark", "csrf_token": csrf})
    client.post("/logout", data={"csrf_token": csrf})
    html = client.get(f"/d/{doc}").get_data(as_text=True)
    assert "secret-source" not in html and "Private remark" not in html
    assert "Findings" not in html
    results = client.get("/search.json?q=courier").get_json()
    assert "tag" not in results["facets"]
    refused = client.get("/search?q=courier+tag:secret-source")
    assert refused.status_code == 400
    assert "shown only to them" in refused.get_data(as_text=True)
    assert client.get("/search.json?q=&f=tag:secret-source").status_code == 400
    assert client.get("/search.csv?q=tag:secret-source").status_code == 400
    assert client.get("/desk").status_code == 403


def test_tag_filter_and_facet_narrow_a_search(client, archive):
    _, ids = archive
    csrf = sign_in(client)
    for rel in ("letters/courier-1.txt", "reports/library.txt"):
        client.post(f"/d/{ids[rel]}/tags", data={"tags": "checked", "csrf_token": csrf})
    client.post(f"/d/{ids['letters/courier-2.txt']}/tags", data={"tags": "courier",
                                                                 "csrf_token": csrf})
    both = client.get("/search.json?q=letter").get_json()
    assert both["total"] == 2
    assert {f["value"]: f["count"] for f in both["facets"]["tag"]} == {"checked": 1,
                                                                       "courier": 1}
    narrowed = client.get("/search.json?q=letter+tag:checked").get_json()
    assert [h["id"] for h in narrowed["hits"]] == [ids["letters/courier-1.txt"]]
    as_facet = client.get("/search.json?q=letter&f=tag:checked").get_json()
    assert [h["id"] for h in as_facet["hits"]] == [ids["letters/courier-1.txt"]]
    browse = client.get("/search.json?q=tag:checked").get_json()
    assert {h["id"] for h in browse["hits"]} == {ids["letters/courier-1.txt"],
                                                ids["reports/library.txt"]}
    assert client.get("/search.json?q=tag:checked+tag:courier").get_json()["total"] == 0
    assert client.get("/search.json?q=tag:nobody-used-this").get_json()["total"] == 0
    page = client.get("/search?q=letter&f=tag:checked").get_data(as_text=True)
    assert "Tag (editors)" in page and 'class="chosen"' in page
    csv = client.get("/search.csv?q=tag:checked").get_data(as_text=True)
    assert len(csv.strip().splitlines()) == 3


def test_saved_searches_are_listed_with_their_search_and_feed(client, archive):
    csrf = sign_in(client)
    response = client.post("/searches", data={"name": "Couriers in Arabic", "q": "courier",
                                              "f": ["lang:en"], "sort": "-date",
                                              "csrf_token": csrf})
    assert response.status_code == 302 and response.location.endswith("/desk")
    desk = client.get("/desk").get_data(as_text=True)
    assert "Couriers in Arabic" in desk
    assert "/search?q=courier&amp;f=lang:en&amp;sort=-date" in desk
    assert "/search.atom?q=courier&amp;f=lang:en" in desk
    feed = client.get("/search.atom?q=courier&f=lang:en")
    assert feed.status_code == 200 and b"<entry>" in feed.data
    client.post("/searches/delete", data={"name": "Couriers in Arabic", "csrf_token": csrf})
    assert "Couriers in Arabic" not in client.get("/desk").get_data(as_text=True)


def test_the_search_page_offers_editors_to_save_it(client):
    assert "Save this search" not in client.get("/search?q=courier").get_data(as_text=True)
    sign_in(client)
    assert "Save this search" in client.get("/search?q=courier").get_data(as_text=True)


def test_tags_survive_a_reindex_and_an_index_rebuild(tmp_path):
    settings, ids = make_archive(tmp_path)
    conn = connect(settings.catalog_path)
    findings.add_tags(conn, ids["reports/weather.txt"], ["weather"], "amira")
    findings.add_note(conn, ids["reports/weather.txt"], 1, "Rain for three days", "amira")
    conn.close()
    folder = tmp_path / "release"
    (folder / "reports/new.txt").write_text("A new report about rain.\n")
    index_collection(settings, folder)
    writer = CatalogWriter(settings)  # what `docket index --rebuild-index` does
    writer.sync_index(rebuild=True)
    writer.close()
    catalog = Catalog(settings.catalog_path)
    index = open_index(settings)
    both = findings.search_with_tags(index, catalog, SearchRequest("rain"), editor=True)
    assert both.total == 2 and both.facets["tag"] == [("weather", 1)]
    tagged = findings.search_with_tags(index, catalog, SearchRequest("rain tag:weather"),
                                       editor=True)
    assert [h.doc_id for h in tagged.hits] == [ids["reports/weather.txt"]]
    assert findings.document_findings(catalog.conn, ids["reports/weather.txt"], "amira") \
        .notes[0].text == "Rain for three days"


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_the_tag_restriction_answers_alike_with_either_engine(tmp_path, engine):
    settings, ids = make_archive(tmp_path, engine)
    conn = connect(settings.catalog_path)
    findings.add_tags(conn, ids["letters/courier-2.txt"], ["second"], "amira")
    findings.add_tags(conn, ids["reports/library.txt"], ["second"], "amira")
    catalog, index = Catalog(settings.catalog_path), open_index(settings)
    assert type(index).__name__ == ("XapianIndex" if engine == "xapian" else "WhooshIndex")
    result = findings.search_with_tags(index, catalog, SearchRequest("library tag:second"),
                                       editor=True)
    assert {h.doc_id for h in result.hits} == {ids["letters/courier-2.txt"],
                                               ids["reports/library.txt"]}
    assert result.total == 2 and result.facets["tag"] == [("second", 2)]
    assert result.query == "library tag:second"  # the page shows what was asked
    assert dict(result.facets["folder"]) == {"letters": 1, "reports": 1}
    phrase = findings.search_with_tags(index, catalog, SearchRequest('"the library" tag:second'),
                                       editor=True)
    assert phrase.total == 2
    every = list(findings.search_all_with_tags(index, conn, SearchRequest("tag:second"), True))
    assert len(every) == 2


def test_tag_names_are_folded_and_checked():
    assert findings.tag_name("  Courier Letters ") == "courier-letters"
    assert findings.tag_name("رسائل_مهمة") == "رسائل_مهمة"
    for bad in ("", "   ", "a/b", "x" * 41, "<script>"):
        with pytest.raises(findings.FindingError):
            findings.tag_name(bad)


def test_tag_terms_are_split_from_the_query():
    assert split_catalog_terms("letter tag:checked (tag:b)") == ("letter ( )",
                                                                 (("tag", "checked"),
                                                                  ("tag", "b")))
    assert split_catalog_terms('"tag:x" a') == ('"tag:x" a', ())
    with pytest.raises(BadQueryError, match="catalog"):
        parse_query("letter tag:checked")  # a caller that did not restrict first


def test_an_archive_made_before_findings_opens_and_works(tmp_path):
    made, ids = make_archive(tmp_path)
    shutil.copytree(made.var, tmp_path / "old-var")  # a path this process never opened
    settings = Settings(var=tmp_path / "old-var")
    old = sqlite3.connect(settings.catalog_path)
    for table in FINDINGS_TABLES:  # the catalog as the previous Docket left it
        old.execute(f"DROP TABLE {table}")
    old.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    old.commit()
    old.close()
    client = create_app(settings).test_client()
    doc = ids["letters/courier-1.txt"]
    assert client.get(f"/d/{doc}").status_code == 200  # a reader's visit migrates it
    conn = connect(settings.catalog_path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    assert set(FINDINGS_TABLES) <= tables
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] \
        == str(SCHEMA_VERSION)
    csrf = sign_in(client)
    assert client.post(f"/d/{doc}/tags", data={"tags": "old", "csrf_token": csrf}
                       ).status_code == 302
    assert client.get("/search.json?q=tag:old").get_json()["hits"][0]["id"] == doc


def test_the_search_command_filters_by_tag(runner, archive):
    from cli import main

    settings, ids = archive
    findings.add_tags(connect(settings.catalog_path), ids["reports/library.txt"], ["kept"],
                      "amira")
    result = runner.invoke(main, ["search", "tag:kept", "--var", str(settings.var), "--json"])
    assert result.exit_code == 0, result.output
    assert [h["id"] for h in json.loads(result.stdout)["hits"]] == [ids["reports/library.txt"]]
    filtered = runner.invoke(main, ["search", "library", "-f", "tag:kept", "--var",
                                    str(settings.var), "--json"])
    assert json.loads(filtered.stdout)["facets"]["tag"] == [{"value": "kept", "count": 1}]


def test_a_batch_answers_tags_for_editors_only(client, archive):
    settings, ids = archive
    findings.add_tags(connect(settings.catalog_path), ids["reports/weather.txt"], ["rain"],
                      "amira")
    queries = {"queries": "tag:rain\nlibrary"}
    anonymous = client.post("/batch.json", data=queries).get_json()["queries"]
    assert "shown only to them" in anonymous[0]["error"] and anonymous[1]["total"] == 2
    sign_in(client)
    signed_in = client.post("/batch.json", data=queries).get_json()["queries"]
    assert [h["id"] for h in signed_in[0]["hits"]] == [ids["reports/weather.txt"]]
