"""The reader of long documents: hits with their pages, next and previous hit, find in the
document, the page jump, thumbnails and the way back to the results."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from PIL import Image

from app import create_app
from archive import previews
from archive.catalog import Catalog
from archive.config import Settings
from archive.model import Page
from archive.reader import find_hits, hit_position, results_page_url, results_request
from indexer.run import index_collection

LONG_PAGES = 25
COURIER_PAGES = {2: 1, 14: 2, 23: 1}  # page -> times "courier" is written on it
ARABIC_PAGES = {3: "وصلت رسالته أمس", 12: "والرسائل كثيرة"}  # forms of الرسالة


def long_text() -> str:
    """An English report of LONG_PAGES pages (form feeds between them)."""
    pages = []
    for n in range(1, LONG_PAGES + 1):
        words = " ".join(["the courier came"] * COURIER_PAGES.get(n, 0))
        pages.append(f"Page {n} of the long report. The committee met again. {words}\n"
                     "Nothing else was decided that day.\n")
    return "\f".join(pages)


def arabic_text() -> str:
    return "\f".join(f"الصفحة {n}. اجتمعت اللجنة مرة أخرى. {ARABIC_PAGES.get(n, '')}\n"
                     for n in range(1, 16))


def build_long_archive(base: Path) -> Settings:
    """A small archive of long documents, indexed without OCR or embeddings (fast)."""
    folder = base / "long"
    folder.mkdir(parents=True)
    (folder / "long-report-en.txt").write_text(long_text(), encoding="utf-8")
    (folder / "long-letters-ar.txt").write_text(arabic_text(), encoding="utf-8")
    settings = Settings(var=base / "var", jobs=1, ocr=False, embeddings=False)
    index_collection(settings, folder)
    return settings


@pytest.fixture(scope="module")
def long_archive(tmp_path_factory):
    settings = build_long_archive(tmp_path_factory.mktemp("reader"))
    catalog = Catalog(settings.catalog_path)
    yield settings, catalog
    catalog.close()


@pytest.fixture
def long_client(long_archive):
    app = create_app(long_archive[0])
    app.config["TESTING"] = True
    return app.test_client()


def body(response) -> str:
    return response.get_data(as_text=True)


def hrefs(html: str, shortcut: str) -> list[str]:
    return [unescape(h) for h in re.findall(rf'data-shortcut="{shortcut}" href="([^"]*)"', html)]


# the hits of a query, page by page --------------------------------------------------------

def pages_of(texts: dict[int, str]) -> list[Page]:
    return [Page(n, text) for n, text in sorted(texts.items())]


def test_hits_are_numbered_across_pages_with_their_page():
    pages = pages_of({1: "no match here", 2: "a courier and a courier", 3: "none", 4: "courier"})
    hits = find_hits(pages, frozenset({"courier"}))
    assert hits.total == 3 and hits.complete
    assert [(h.n, h.page) for h in hits.listed] == [(1, 2), (2, 2), (3, 4)]
    assert [hits.page_of(n) for n in (1, 2, 3, 4)] == [2, 2, 4, None]
    assert hits.on_page(2) == 2 and hits.on_page(3) == 0 and hits.first_on(4) == 3
    assert "".join(t for t, _ in hits.listed[2].fragments) == "courier"


def test_hit_position_on_a_page_with_hits_and_on_one_without():
    hits = find_hits(pages_of({1: "x", 2: "courier courier", 3: "x", 4: "courier"}),
                     frozenset({"courier"}))
    on_page = hit_position(hits, 2)
    assert (on_page.current, on_page.previous, on_page.next) == (1, None, 2)
    chosen = hit_position(hits, 2, hit=2)
    assert (chosen.current, chosen.previous, chosen.next) == (2, 1, 3)
    between = hit_position(hits, 3, hit=1)  # hit 1 is not on page 3: the page decides
    assert (between.current, between.previous, between.next) == (None, 2, 3)
    assert hit_position(hits, 1).next == 1 and hit_position(hits, 4).next is None


def test_hits_list_stops_at_its_limit_and_counts_the_rest():
    pages = pages_of({n: "courier " * 10 for n in range(1, 6)})
    hits = find_hits(pages, frozenset({"courier"}), listed=12)
    assert hits.total == 50 and len(hits.listed) == 12 and hits.more == 38
    assert hits.listed[-1].page == 2 and hits.page_of(50) == 5


def test_a_huge_document_is_read_only_up_to_the_budget():
    read = []

    def pages():  # a 500-page scan, read lazily
        for n in range(1, 501):
            read.append(n)
            yield Page(n, "courier " + "word " * 400)

    hits = find_hits(pages(), frozenset({"courier"}), budget=20_000)
    assert not hits.complete and hits.pages_read == len(read) - 1 < 20
    assert hits.total == hits.pages_read


def test_hits_use_the_engines_analysis(long_archive):
    from archive.engines import open_index

    settings, catalog = long_archive
    terms = open_index(settings).highlight_terms("الرسالة")
    doc_id = catalog.resolve("long-letters-ar.txt")
    hits = find_hits(catalog.iter_pages(doc_id), terms)
    # Stemming and broken plurals, as the search finds them: رسالته and والرسائل.
    assert [(h.page, [t for t, m in h.fragments if m]) for h in hits.listed] == [
        (3, ["رسالته"]), (12, ["والرسائل"])]


# the document page ------------------------------------------------------------------------

def test_document_page_says_hit_n_of_m_with_its_page(long_client, long_archive):
    doc_id = long_archive[1].resolve("long-report-en.txt")
    html = body(long_client.get(f"/d/{doc_id}/p/14", query_string={"q": "courier"}))
    assert "Hit 2 of 4, page 14" in html
    listed = re.findall(r">Hit (\d+), page (\d+)</a>", html)
    assert listed == [("1", "2"), ("2", "14"), ("3", "14"), ("4", "23")]
    assert '<mark id="hit-2" class="current-hit">courier</mark>' in html
    assert '<mark id="hit-3">courier</mark>' in html


def test_next_and_previous_hit_cross_pages_and_page_windows(long_client, long_archive):
    doc_id = long_archive[1].resolve("long-report-en.txt")
    html = body(long_client.get(f"/d/{doc_id}", query_string={"q": "courier"}))
    assert "Hit 1 of 4, page 2" in html  # no page given: it opens at the first hit
    assert hrefs(html, "prev-hit") == []
    steps = []
    link = hrefs(html, "next-hit")[0]
    while link:
        parts = urlsplit(link)
        assert parts.fragment == f"hit-{parse_qs(parts.query)['hit'][0]}"
        html = body(long_client.get(f"{parts.path}?{parts.query}"))
        steps.append(re.search(r"Hit \d+ of 4, page \d+", html).group())
        link = (hrefs(html, "next-hit") or [""])[0]
    assert steps == ["Hit 2 of 4, page 14", "Hit 3 of 4, page 14", "Hit 4 of 4, page 23"]
    assert 'class="page current" id="p23"' in html  # the third window of pages (21-25)
    back = urlsplit(hrefs(html, "prev-hit")[0])
    assert back.path == f"/d/{doc_id}/p/14" and parse_qs(back.query)["hit"] == ["3"]


def test_a_page_without_hits_points_to_the_hits_around_it(long_client, long_archive):
    doc_id = long_archive[1].resolve("long-report-en.txt")
    html = body(long_client.get(f"/d/{doc_id}/p/7", query_string={"q": "courier"}))
    assert "4 hits, none on page 7" in html
    assert urlsplit(hrefs(html, "prev-hit")[0]).path == f"/d/{doc_id}/p/2"
    assert urlsplit(hrefs(html, "next-hit")[0]).path == f"/d/{doc_id}/p/14"
    nothing = body(long_client.get(f"/d/{doc_id}", query_string={"q": "zebra"}))
    assert "No hits of “<bdi>zebra</bdi>” in this document." in nothing


def test_a_huge_document_says_how_far_its_hits_were_counted(long_client, long_archive,
                                                            monkeypatch):
    from archive import reader

    monkeypatch.setattr(reader, "SCAN_CHARS", 1000)  # about 10 of the 25 pages
    doc_id = long_archive[1].resolve("long-report-en.txt")
    html = body(long_client.get(f"/d/{doc_id}/p/2", query_string={"q": "courier"}))
    read = int(re.search(r"counted in pages 1–(\d+) of 25", html).group(1))
    assert 2 <= read < 14 and "Hit 1 of 1+, page 2" in html
    later = body(long_client.get(f"/d/{doc_id}/p/23", query_string={"q": "courier"}))
    assert "<mark>courier</mark>" in later  # marked, though not counted
    assert "next-hit" not in later and "prev-hit" in later


def test_find_in_the_document_is_a_form_of_its_own(long_client, long_archive):
    doc_id = long_archive[1].resolve("long-report-en.txt")
    back = "/search?q=committee&sort=relevance"
    html = body(long_client.get(f"/d/{doc_id}", query_string={
        "q": "courier", "back": back, "rank": "1"}))
    form = html.split('<form class="find"', 1)[1].split("</form>", 1)[0]
    assert f'action="/d/{doc_id}"' in form and 'id="find-q" name="q"' in form
    assert 'value="courier"' in form and 'name="back" value="/search?q=committee' in form
    # The archive's search box keeps the search the reader came from.
    assert re.search(r'<input id="q" name="q" type="search" value="committee"', html)


@pytest.mark.parametrize("page, status", [("4", 302), ("1", 302), ("25", 302), ("26", 404),
                                          ("0", 404), ("-3", 404), ("four", 404), ("", 404)])
def test_page_jump_goes_to_the_page_keeping_the_query(long_client, long_archive, page, status):
    doc_id = long_archive[1].resolve("long-report-en.txt")
    response = long_client.get(f"/d/{doc_id}/jump", query_string={
        "page": page, "q": "courier", "back": "/search?q=courier", "rank": "1"})
    assert response.status_code == status
    if status == 302:
        target = urlsplit(response.headers["Location"])
        assert target.path == f"/d/{doc_id}/p/{page}"
        assert parse_qs(target.query) == {"q": ["courier"], "back": ["/search?q=courier"],
                                          "rank": ["1"]}
    else:
        assert "its pages are numbered 1 to 25" in body(response)


def test_jump_form_is_on_long_documents_only(client, sample_catalog):
    pdf = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    html = body(client.get(f"/d/{pdf}"))
    assert f'action="/d/{pdf}/jump"' in html and 'max="5"' in html
    letter = sample_catalog.resolve("letters/letter-001-ar.txt")
    assert "/jump" not in body(client.get(f"/d/{letter}"))


# back to the results and the neighbours in them --------------------------------------------

def test_results_link_documents_with_the_way_back(client):
    html = body(client.get("/search", query_string={"q": "التعليم", "f": "lang:ar"}))
    link = unescape(re.search(r'class="title" href="([^"]*)"', html).group(1))
    args = parse_qs(urlsplit(link).query)
    assert args["rank"] == ["1"] and args["q"] == ["التعليم"]
    assert parse_qs(urlsplit(args["back"][0]).query) == {
        "q": ["التعليم"], "sort": ["relevance"], "f": ["lang:ar"]}
    document = body(client.get(link))
    back = unescape(re.search(r'class="back" href="([^"]*)"', document).group(1))
    assert back == args["back"][0]
    assert client.get(back).status_code == 200


@pytest.mark.parametrize("back", ["//evil.example/search", "https://evil.example/search",
                                  "javascript:alert(1)", "/\\evil.example", "search?q=x"])
def test_back_link_is_only_ever_local(client, sample_catalog, back):
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    html = body(client.get(f"/d/{doc_id}", query_string={"back": back, "rank": "1"}))
    assert 'class="back"' not in html and "evil.example" not in html


def test_next_and_previous_result_follow_the_result_list(client):
    search = client.get("/search.json", query_string={"q": "the OR library"}).get_json()
    ids = [h["id"] for h in search["hits"]]
    back = "/search?q=the+OR+library&sort=relevance"
    html = body(client.get(f"/d/{ids[1]}", query_string={
        "q": "the OR library", "back": back, "rank": "2"}))
    previous, following = hrefs(html, "prev-result")[0], hrefs(html, "next-result")[0]
    assert urlsplit(previous).path == f"/d/{ids[0]}"
    assert parse_qs(urlsplit(following).query)["rank"] == ["3"]
    assert urlsplit(following).path == f"/d/{ids[2]}"
    # A rank the document no longer holds keeps the way back but offers no neighbours.
    moved = body(client.get(f"/d/{ids[1]}", query_string={"back": back, "rank": "5"}))
    assert 'class="back"' in moved and "next-result" not in moved


def test_the_next_result_past_a_results_page_leads_back_to_that_page(client):
    search = client.get("/search.json", query_string={"q": "*"}).get_json()
    assert search["total"] > 21
    page_1 = client.get("/search.json", query_string={"q": "*"}).get_json()["hits"]
    html = body(client.get(f"/d/{page_1[19]['id']}", query_string={
        "back": "/search?q=%2A&sort=-date", "rank": "20"}))
    following = parse_qs(urlsplit(hrefs(html, "next-result")[0]).query)
    assert following["rank"] == ["21"] and following["back"] == ["/search?q=%2A&sort=-date&page=2"]


def test_results_urls_are_read_and_turned_like_the_search_page():
    request = results_request("/search?q=&f=lang:ar&aliases=off", "/search", 20)
    assert request.sort == "-date" and request.filters == (("lang", "ar"),)
    assert request.aliases is False
    assert results_request("/d/0123456789abcdef", "/search", 20) is None
    assert results_request("/search?q=x&f=bad", "/search", 20) is None
    assert results_page_url("/search?q=x&page=3", 1) == "/search?q=x"
    assert results_page_url("/search?q=x", 2) == "/search?q=x&page=2"


# thumbnails --------------------------------------------------------------------------------

def test_thumbnail_is_a_png_cached_under_the_archive(client, sample_archive, sample_catalog,
                                                    monkeypatch):
    settings = sample_archive[0]
    doc = sample_catalog.document(sample_catalog.resolve("reports/report-2009-security-ar.pdf"))
    cached = (settings.preview_dir / doc.sha256[:2] / doc.sha256
              / f"2-{previews.THUMB_WIDTH}.png")
    cached.unlink(missing_ok=True)
    first = client.get(f"/d/{doc.doc_id}/p/2/thumb.png")
    assert first.status_code == 200 and first.mimetype == "image/png"
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    image = Image.open(io.BytesIO(first.data))
    assert image.format == "PNG" and image.width == previews.THUMB_WIDTH
    assert image.height <= previews.THUMB_WIDTH * previews.MAX_HEIGHT
    assert cached.read_bytes() == first.data
    first.close()

    def no_rendering(*args):
        raise AssertionError("rendered again instead of served from the cache")

    monkeypatch.setattr(previews, "_render_in_child", no_rendering)
    again = client.get(f"/d/{doc.doc_id}/p/2/thumb.png")
    assert again.status_code == 200 and again.data == cached.read_bytes()
    again.close()


def test_thumbnails_of_scans_and_the_strip_on_long_pdfs(client, sample_catalog):
    scan = sample_catalog.resolve("scans/scan-019-en-courier-note.jpg")
    response = client.get(f"/d/{scan}/p/1/thumb.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).width <= previews.THUMB_WIDTH
    response.close()
    pdf = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    html = body(client.get(f"/d/{pdf}/p/3"))
    strip = html.split('<nav class="thumbs"', 1)[1].split("</nav>", 1)[0]
    assert [f"/d/{pdf}/p/{n}/thumb.png" in strip for n in range(1, 6)] == [True] * 5
    assert f'href="/d/{pdf}/p/3" aria-current="page"' in strip


@pytest.mark.parametrize("path", ["reports/report-2009-security-ar.pdf",
                                  "scans/scan-019-en-courier-note.jpg"])
@pytest.mark.parametrize("page", [0, 9])
def test_thumbnail_of_a_page_out_of_range_is_not_found(client, sample_catalog, path, page):
    doc_id = sample_catalog.resolve(path)
    assert client.get(f"/d/{doc_id}/p/{page}/thumb.png").status_code == 404


def test_thumbnail_of_a_text_document_is_not_found(client, sample_catalog):
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    assert client.get(f"/d/{doc_id}/p/1/thumb.png").status_code == 404
    assert client.get(f"/d/{doc_id}/p/1.png").status_code == 404


def test_broken_pdf_gets_a_placeholder_once(client, sample_archive, sample_catalog,
                                            monkeypatch):
    settings = sample_archive[0]
    doc_id = sample_catalog.resolve("broken/truncated-report.pdf")
    for url in (f"/d/{doc_id}/p/1/thumb.png", f"/d/{doc_id}/p/1.png"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.headers["Cache-Control"] == "public, max-age=300"
        width = previews.THUMB_WIDTH if "thumb" in url else previews.PREVIEW_WIDTH
        assert response.data == previews.placeholder(settings.preview_dir, width).read_bytes()
        response.close()

    def no_rendering(*args):
        raise AssertionError("a file that failed once is not rendered again")

    monkeypatch.setattr(previews, "_render_in_child", no_rendering)
    again = client.get(f"/d/{doc_id}/p/1/thumb.png")
    assert again.status_code == 200
    again.close()
    tried = []
    monkeypatch.setattr(previews, "_render_in_child", lambda *args: tried.append(args))
    monkeypatch.setattr(previews, "RETRY_SECONDS", 0)  # the day has passed: one more try
    client.get(f"/d/{doc_id}/p/1/thumb.png").close()
    assert len(tried) == 1


def test_rendering_past_the_time_limit_gives_the_placeholder(tmp_path, monkeypatch):
    pdf = Path(__file__).resolve().parent.parent / "sample_docs/release/reports/" \
        "report-2010-media-en.pdf"
    monkeypatch.setattr(previews, "RENDER_SECONDS", 1e-6)  # no process starts that fast
    image, rendered = previews.page_png(pdf, previews.PDF, "ab" * 32, 1, 100, tmp_path)
    assert not rendered and image == previews.placeholder(tmp_path, 100)
    monkeypatch.setattr(previews, "RENDER_SECONDS", 60)
    _, rendered = previews.page_png(pdf, previews.PDF, "cd" * 32, 1, 100, tmp_path)
    assert rendered


# right to left, shortcuts -------------------------------------------------------------------

def test_arabic_hits_are_isolated_and_pages_right_to_left(long_client, long_archive):
    doc_id = long_archive[1].resolve("long-letters-ar.txt")
    html = body(long_client.get(f"/d/{doc_id}", query_string={"q": "الرسالة"}))
    assert "Hit 1 of 2, page 3" in html
    assert '<bdi class="context">' in html and "<mark>رسالته</mark>" in html
    assert re.search(r'<pre class="text" dir="rtl" lang="ar">', html)
    assert '<mark id="hit-1" class="current-hit">رسالته</mark>' in html


def test_shortcut_sheet_is_html_on_the_help_page_and_in_the_document(client, sample_catalog):
    help_page = body(client.get("/help"))
    sheet = help_page.split('<section id="shortcuts"', 1)[1].split("</section>", 1)[0]
    for key in ("j", "k", "n", "p", "[", "]", "/", "?"):
        assert f"<kbd>{key}</kbd>" in sheet
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    html = body(client.get(f"/d/{doc_id}"))
    assert '<dialog id="shortcut-sheet"' in html and 'href="/help#shortcuts"' in html
    assert "onclick" not in html and "<script>" not in html  # the CSP allows no inline script


@pytest.mark.parametrize("engine", ["whoosh", "xapian"])
def test_hits_and_neighbours_agree_on_both_engines(engine_archives, sample_catalog, engine):
    app = create_app(engine_archives(engine))
    app.config["TESTING"] = True
    client = app.test_client()
    doc_id = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    html = body(client.get(f"/d/{doc_id}", query_string={"q": "اللجنة"}))
    assert "Hit 1 of 2, page 1" in html and ">Hit 2, page 5</a>" in html
    ids = [h["id"] for h in client.get("/search.json", query_string={"q": "library"}).get_json()[
        "hits"]]
    page = body(client.get(f"/d/{ids[1]}", query_string={
        "q": "library", "back": "/search?q=library", "rank": "2"}))
    assert urlsplit(hrefs(page, "prev-result")[0]).path == f"/d/{ids[0]}"
