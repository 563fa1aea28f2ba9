"""The site over the sample archive: pages, JSON twins, originals, errors, headers."""

from web import documents


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
    assert client.get("/search", query_string={"q": ""}).status_code == 400


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
