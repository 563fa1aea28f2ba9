"""The site over the sample archive: pages, JSON twins, originals, errors, headers."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest

from archive.search import WhooshIndex
from web import documents

ATOM = "{http://www.w3.org/2005/Atom}"


def test_home_shows_counts_and_failures(client):
    page = client.get("/")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "What the archive holds" in body and "password-protected" in body


def test_search_finds_arabic_letter(client, sample_catalog):
    page = client.get("/search", query_string={"q": "المكتبة"})
    assert page.status_code == 200
    assert "documents match" in page.get_data(as_text=True)
    doc_id = sample_catalog.resolve("letters/letter-013-ar-library.txt")
    assert doc_id in page.get_data(as_text=True)


def test_document_page_shows_text_right_to_left_and_escapes_script(client, sample_catalog):
    doc_id = sample_catalog.resolve("letters/letter-010-ar.html")
    page = client.get(f"/d/{doc_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'dir="rtl"' in body and "الطرق قد فتحت" in body
    assert "<script>alert" not in body  # the HTML's script never reaches the page
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]


def test_document_json_twin_and_errors(client, sample_catalog):
    doc_id = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    data = client.get(f"/d/{doc_id}.json").get_json()
    assert data["id"] == doc_id and len(data["pages"]) == 5
    assert client.get("/d/0123456789abcdef").status_code == 404
    assert client.get("/d/0123456789abcdef.json").get_json()["status"] == 404
    assert client.get("/d/../../etc/passwd").status_code == 404
    assert client.get("/search", query_string={"q": "*ab"}).status_code == 400


def test_original_is_served_with_safe_headers(client, sample_catalog):
    html_id = sample_catalog.resolve("letters/letter-010-ar.html")
    response = client.get(f"/d/{html_id}/original")
    assert response.status_code == 200
    assert response.mimetype == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")
    response.close()
    pdf_id = sample_catalog.resolve("reports/report-2010-media-en.pdf")
    response = client.get(f"/d/{pdf_id}/original")
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    response.close()


def test_more_like_this_page_lists_related_documents(client, sample_catalog):
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    page = client.get(f"/d/{doc_id}/similar")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "Documents like" in body and body.count('class="hit"') >= 3


def test_search_csv_exports_every_hit(client):
    response = client.get("/search.csv", query_string={"q": "library OR المكتبة"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = response.get_data(as_text=True).strip().splitlines()
    total = client.get("/search.json", query_string={"q": "library OR المكتبة"}).get_json()
    assert rows[0].startswith("id,title,type") and len(rows) - 1 == total["total"]
    assert total["total"] > 0 and len(total["hits"][0]["snippets"]) >= 1


def test_search_csv_cut_at_the_deadline_says_so_in_its_last_row(client, monkeypatch):
    # A deadline of 0 s has passed when the search starts: nothing is collected.
    monkeypatch.setattr(WhooshIndex, "deadline_seconds", 0)
    rows = list(csv.reader(io.StringIO(client.get(
        "/search.csv", query_string={"q": "library"}).get_data(as_text=True))))
    assert rows[0][:3] == ["id", "title", "type"] and len(rows) == 2
    assert rows[1][0].startswith("# incomplete: the search stopped at its 0 s limit after 0 "
                              "documents; narrow it")


def test_document_page_windows_and_highlights(client, sample_catalog):
    doc_id = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    body = client.get(f"/d/{doc_id}/p/3", query_string={"q": "USB"}).get_data(as_text=True)
    assert 'class="page current" id="p3"' in body and "<mark>USB</mark>" in body
    assert f"/d/{doc_id}/p/3.png" in body
    assert client.get(f"/d/{doc_id}/p/99").status_code == 200  # clamped to the last page
    image = client.get(f"/d/{doc_id}/p/9.png")
    assert image.status_code == 404


def test_document_json_view_answers_alone_in_a_request_context(app, sample_catalog):
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    with app.test_request_context(f"/d/{doc_id}.json"):
        data = documents.show_json(doc_id).get_json()
    assert data["id"] == doc_id and data["permalink"] == f"/d/{doc_id}"
    assert data["title"] and data["pages"][0]["n"] == 1


def test_document_json_has_one_set_of_keys(client, sample_catalog):
    doc_id = sample_catalog.resolve("archives/correspondence-2010.zip")
    data = client.get(f"/d/{doc_id}.json").get_json()
    assert set(data) == {
        "id", "sha256", "paths", "former_paths", "present", "mime", "kind", "size", "title",
        "author", "created", "modified", "languages", "page_count", "status", "reason",
        "error", "metadata", "parent", "permalink", "children", "pages"}
    assert data["children"] and set(data["children"][0]) == {"id", "path"}


@pytest.mark.parametrize("query_string", [{}, {"q": ""}, {"q": "*"}])
def test_empty_search_browses_the_archive_newest_first_with_facets(client, query_string):
    page = client.get("/search", query_string=query_string)
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body
    assert "documents in the archive" in body and "Something went wrong" not in body
    assert 'value="-date" selected' in body and "Arabic (ar)" in body
    data = client.get("/search.json", query_string=query_string).get_json()
    dates = [h["date"] for h in data["hits"] if h["date"]]
    assert data["total"] >= 40 and dates == sorted(dates, reverse=True)


def test_error_page_keeps_the_query_in_the_search_box(client):
    page = client.get("/search", query_string={"q": "*ab"})
    assert page.status_code == 400
    body = page.get_data(as_text=True)
    assert 'value="*ab"' in body and "starts with a wildcard" in body


def test_facets_show_names_in_the_page_and_codes_in_the_json(client):
    body = client.get("/search", query_string={"q": "المكتبة OR library"}).get_data(as_text=True)
    assert ">Arabic (ar)</a>" in body and ">Plain text</a>" in body
    facets = client.get("/search.json", query_string={"q": "المكتبة OR library"}).get_json()
    assert "ar" in [v["value"] for v in facets["facets"]["lang"]]


def test_home_page_charts_link_into_search_with_the_filter(client):
    body = client.get("/").get_data(as_text=True)
    for link in ('href="/search?f=lang:ar"', 'href="/search?f=type:pdf"',
                 'href="/search?f=status:failed"', 'href="/search"'):
        assert link in body
    assert "Arabic (ar)" in body
    assert client.get("/search?f=lang:ar").status_code == 200


def test_search_page_links_its_csv_json_and_atom_twins(client):
    body = client.get("/search", query_string={"q": "library", "f": "lang:en"}).get_data(
        as_text=True)
    assert 'href="/search.csv?q=library&amp;sort=relevance&amp;f=lang:en"' in body
    assert 'href="/search.json?q=library' in body
    assert '<link rel="alternate" type="application/atom+xml"' in body
    assert "Subscribe (Atom)" in body


def test_hit_matching_only_the_file_name_says_so(client, sample_catalog):
    body = client.get("/search", query_string={"q": "library"}).get_data(as_text=True)
    doc_id = sample_catalog.resolve("letters/letter-013-ar-library.txt")
    hit = body.split(doc_id, 1)[1].split("</li>", 1)[0]
    assert "Matches the file name or title" in hit


def test_search_atom_feed_is_valid_atom_with_permalinks(client):
    response = client.get("/search.atom", query_string={"q": "المكتبة OR library"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == ATOM + "feed"
    for name in ("id", "title", "updated"):
        assert feed.find(ATOM + name).text
    assert feed.find(ATOM + "link[@rel='self']").get("href").endswith(
        "/search.atom?q=المكتبة+OR+library")
    entries = feed.findall(ATOM + "entry")
    assert 1 <= len(entries) <= 50
    for entry in entries:
        link = entry.find(ATOM + "link").get("href")
        assert entry.find(ATOM + "id").text == link and "/d/" in link
        assert client.get(link.replace("http://localhost", "")).status_code == 200
        assert entry.find(ATOM + "title").text and entry.find(ATOM + "summary").text
    # Newest first; undated documents come last, stamped with the feed's own time.
    stamps = [e.find(ATOM + "updated").text for e in entries]
    dated = [t for t in stamps if t.endswith("T00:00:00Z")]
    assert dated and dated == sorted(dated, reverse=True) and stamps[:len(dated)] == dated
    narrowed = ET.fromstring(client.get("/search.atom", query_string={
        "q": "المكتبة OR library", "f": "lang:en"}).data)
    assert len(narrowed.findall(ATOM + "entry")) < len(entries)


def test_batch_page_runs_every_query_and_reports_the_bad_one(client):
    queries = "# my names\nالمكتبة\n\n*ab\nlibrary\n"
    for method in (client.get, client.post):
        page = method("/batch", **({"query_string": {"queries": queries}} if method == client.get
                                   else {"data": {"queries": queries}}))
        body = page.get_data(as_text=True)
        assert page.status_code == 200, body
        assert 'href="/search?q=library"' in body and "starts with a wildcard" in body
        assert "my names" not in body.split("</textarea>", 1)[1]
    data = client.get("/batch.json", query_string={"queries": queries}).get_json()
    assert [q["query"] for q in data["queries"]] == ["المكتبة", "*ab", "library"]
    assert "error" in data["queries"][1] and data["queries"][0]["total"] > 0
    assert set(data["queries"][0]["hits"][0]) >= {"id", "title", "snippets", "paths"}


def test_batch_csv_neutralises_formulas_and_caps_at_100_queries(client):
    response = client.post("/batch.csv", data={"queries": "=HYPERLINK(1)\nlibrary"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["query", "total", "error"]
    assert rows[1][0] == "'=HYPERLINK(1)" and rows[-1][0] == "library"
    many = "\n".join(f"word{i}" for i in range(120))
    body = client.post("/batch", data={"queries": many}).get_data(as_text=True)
    assert "Only the first 100 queries were run; 20 more were left out" in body
    assert client.post("/batch.json", data={"queries": many}).get_json()["skipped"] == 20
