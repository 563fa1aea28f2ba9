"""Hardening of the site: spreadsheet-safe CSV, http(s)-only news links, local redirects,
the sign-in throttle, secure cookies behind a proxy, same-origin changes, page numbers
and PDFs with scripts."""

from __future__ import annotations

import csv
import io

import pytest

from app import create_app
from archive import editors, news
from archive.catalog import Catalog, connect
from archive.config import Settings, load_settings
from archive.originals import SCAN_BYTES, has_pdf_script
from archive.search import WhooshIndex
from indexer.news import add_articles
from indexer.run import index_collection
from web.guards import local_target
from web.search import spreadsheet_safe

JS_ACTION = "/OpenAction << /S /JavaScript /JS (app.alert(1)) >> "
FORMULAS = ["=1+2", "+SUM(A1)", "-2+3", "@SUM(A1)", "\tTAB", "\rCR"]


def tiny_pdf(words: str, catalog_extra: str = "") -> bytes:
    """A one-page PDF showing `words`, with `catalog_extra` added to its catalog."""
    stream = f"BT /F1 12 Tf 20 100 Td ({words}) Tj ET".encode()
    objects = [
        f"<< /Type /Catalog /Pages 2 0 R {catalog_extra}>>".encode(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A tiny collection: files named and titled like formulas, PDFs with and without
    script, an editor account and an article whose url is javascript:."""
    base = tmp_path_factory.mktemp("websec")
    folder = base / "release"
    folder.mkdir()
    for i, formula in enumerate(FORMULAS):
        (folder / f"{formula}-{i}.txt").write_text(f"formula cell number {i}\n")
    (folder / "titled.html").write_text("<html><head><title>=HYPERLINK(\"http://x\")</title>"
                                        "</head><body><p>formula in the title</p></body></html>")
    (folder / "script.pdf").write_bytes(tiny_pdf("a report with script", JS_ACTION))
    (folder / "plain.pdf").write_bytes(tiny_pdf("a report without script"))
    settings = Settings(var=base / "var", jobs=1, ocr=False, embeddings=False)
    index_collection(settings, folder)
    conn = connect(settings.catalog_path)
    editors.set_password(conn, "amira", "a long password")
    article = news.NewsArticle(news_id="nbadlink0001", title="A story with a bad link",
                               text="Words about a report.", url="javascript:alert(1)")
    add_articles(conn, WhooshIndex(settings.index_dir), [article], settings.news_index_dir)
    conn.close()
    return settings


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(archive, clock):
    yield create_app(archive, clock=clock).test_client()
    conn = connect(archive.catalog_path)  # each test starts with no failed sign-ins
    conn.execute("DELETE FROM login_failures")
    conn.close()


def doc_id(settings, path):
    catalog = Catalog(settings.catalog_path)
    try:
        return catalog.resolve(path)
    finally:
        catalog.close()


def token(client, url="/login"):
    return client.get(url).get_data(as_text=True).split(
        'name="csrf_token" value="')[1].split('"')[0]


def sign_in(client, password, name="amira", **kw):
    return client.post("/login", data={"name": name, "password": password,
                                       "csrf_token": token(client)}, **kw)


# 1. CSV injection --------------------------------------------------------------------------

@pytest.mark.parametrize("formula", FORMULAS)
def test_spreadsheet_safe_quotes_a_formula_start(formula):
    assert spreadsheet_safe(formula) == "'" + formula


@pytest.mark.parametrize("cell", ["plain", "a=b", "", 3, "'already"])
def test_spreadsheet_safe_leaves_other_cells_alone(cell):
    assert spreadsheet_safe(cell) == cell


def test_search_csv_writes_no_live_formula(client):
    response = client.get("/search.csv", query_string={"q": "formula"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == len(FORMULAS) + 1
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(tuple("=+-@\t\r")), row
    assert {r["paths"] for r in rows} >= {f"'{f}-{i}.txt" for i, f in enumerate(FORMULAS)}
    assert "'=HYPERLINK(\"http://x\")" in {r["title"] for r in rows}


# 2. http(s)-only news links ----------------------------------------------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)",
                                 "java\tscript:alert(1)", "data:text/html,x", "vbscript:x",
                                 "file:///etc/passwd", "//example.org/x", "http://", "/local"])
def test_web_url_refuses_what_is_not_http(url):
    assert news.web_url(url) is None and not news.is_web_url(url)


@pytest.mark.parametrize("url", ["http://example.org/a", "HTTPS://example.org/a?b=c"])
def test_web_url_keeps_http_and_https(url):
    assert news.web_url(url) == url


def test_feed_items_drop_javascript_links():
    feed = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Feed</title>'
            b"<item><title>Bad</title><link>javascript:alert(1)</link></item>"
            b"<item><title>Good</title><link>https://example.org/good</link></item>"
            b"</channel></rss>")
    assert [i["link"] for i in news.feed_items(feed)] == [None, "https://example.org/good"]


def test_article_with_javascript_url_renders_no_link(client):
    page = client.get("/n/nbadlink0001")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "A story with a bad link" in body
    assert "javascript:" not in body and ">source</a>" not in body
    assert client.get("/n/nbadlink0001.json").get_json()["url"] is None


def test_news_template_renders_an_href_for_http_only(archive):
    app = create_app(archive)
    template = app.jinja_env.from_string(
        "{% if url is web_url %}<a href=\"{{ url }}\">source</a>{% endif %}")
    assert template.render(url="javascript:alert(1)") == ""
    assert template.render(url="https://example.org/") == '<a href="https://example.org/">source</a>'


# 3. local redirects only --------------------------------------------------------------------

@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)", "evil.example",
                                    "/\t/evil.example", "", None, "http:/evil.example"])
def test_local_target_refuses_other_sites(target):
    assert local_target(target, "/n/x") == "/n/x"


@pytest.mark.parametrize("target", ["/n/x", "/d/0123456789abcdef?q=a#p2", "/news"])
def test_local_target_keeps_local_paths(target):
    assert local_target(target, "/n/x") == target


def test_review_redirects_only_to_local_next(client, archive):
    assert sign_in(client, "a long password").status_code == 302
    form = {"doc_id": doc_id(archive, "plain.pdf"), "decision": "suggested",
            "csrf_token": token(client, "/news")}
    off_site = client.post("/n/nbadlink0001/review", data=form | {"next": "//evil.example/"})
    assert off_site.status_code == 302 and off_site.headers["Location"] == "/n/nbadlink0001"
    local = client.post("/n/nbadlink0001/review", data=form | {"next": "/news"})
    assert local.headers["Location"] == "/news"


# 4. the sign-in throttle --------------------------------------------------------------------

def test_five_failures_lock_the_account_until_the_window_passes(client, clock):
    for _ in range(editors.FAILURES_ALLOWED):
        assert "Wrong name or password" in sign_in(client, "wrong").get_data(as_text=True)
        clock.now += 10
    refused = sign_in(client, "a long password")  # even the right password
    assert refused.status_code == 429
    body = refused.get_data(as_text=True)
    assert "Too many failed sign-ins" in body and "Try again in 15 minutes" in body
    assert int(refused.headers["Retry-After"]) == 15 * 60 - 50
    clock.now += 15 * 60 - 50 - 1
    assert sign_in(client, "a long password").status_code == 429
    clock.now += 1  # the first failure has aged out
    assert sign_in(client, "a long password").status_code == 302


def test_the_throttle_counts_per_address_across_accounts(client, archive):
    for i in range(editors.FAILURES_ALLOWED):
        assert sign_in(client, "wrong", name=f"guess{i}").status_code == 200
    assert sign_in(client, "a long password").status_code == 429  # same address
    other = create_app(archive, clock=client.application.config["DOCKET_CLOCK"]).test_client()
    elsewhere = sign_in(other, "a long password",
                        environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert elsewhere.status_code == 302


def test_the_throttle_survives_a_restart_and_another_address(client, archive, clock):
    for _ in range(editors.FAILURES_ALLOWED):
        sign_in(client, "wrong")
    restarted = create_app(archive, clock=clock).test_client()
    refused = sign_in(restarted, "a long password", environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert refused.status_code == 429  # the account is locked, whatever the address


def test_a_success_clears_the_accounts_failures(client):
    for _ in range(editors.FAILURES_ALLOWED - 1):
        sign_in(client, "wrong")
    assert sign_in(client, "a long password").status_code == 302
    elsewhere = {"environ_base": {"REMOTE_ADDR": "203.0.113.8"}}  # this address has 4 left
    for _ in range(editors.FAILURES_ALLOWED - 1):
        assert sign_in(client, "wrong", **elsewhere).status_code == 200
    assert sign_in(client, "a long password", **elsewhere).status_code == 302


# 5. secure cookies and the proxy -------------------------------------------------------------

def test_session_cookie_is_secure_when_asked(archive):
    app = create_app(Settings(var=archive.var, secure_cookies=True))
    response = app.test_client().get("/login")
    assert "Secure" in response.headers["Set-Cookie"]
    plain = create_app(archive).test_client().get("/login")
    assert "Secure" not in plain.headers["Set-Cookie"]


def test_proxy_hops_trust_the_proxys_scheme_and_client_address(archive):
    seen = {}
    for hops in (0, 1):
        app = create_app(Settings(var=archive.var, proxy_hops=hops))

        @app.get("/probe")
        def probe():
            from flask import request
            return {"secure": request.is_secure, "address": request.remote_addr}

        seen[hops] = app.test_client().get("/probe", headers={
            "X-Forwarded-For": "198.51.100.4", "X-Forwarded-Proto": "https"}).get_json()
    assert seen[0] == {"secure": False, "address": "127.0.0.1"}
    assert seen[1] == {"secure": True, "address": "198.51.100.4"}


def test_new_settings_come_from_the_environment():
    settings = load_settings(environ={"DOCKET_SECURE_COOKIES": "1", "DOCKET_PROXY_HOPS": "2"})
    assert settings.secure_cookies is True and settings.proxy_hops == 2
    assert Settings().secure_cookies is False and Settings().proxy_hops == 0


# 6. same-origin changes ---------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/login", "/logout", "/n/nbadlink0001/review", "/news/add"])
@pytest.mark.parametrize("headers", [{"Origin": "https://evil.example"}, {"Origin": "null"},
                                     {"Referer": "https://evil.example/page"},
                                     {"Origin": "http://localhost.evil.example"},
                                     {"Origin": "http://localhost:8080"}])
def test_posts_from_another_site_are_refused(client, url, headers):
    response = client.post(url, data={"csrf_token": token(client)}, headers=headers)
    assert response.status_code == 403
    assert "sent from another site" in response.get_data(as_text=True)


@pytest.mark.parametrize("headers", [{}, {"Origin": "http://localhost"},
                                     {"Referer": "http://localhost/login"},
                                     {"Origin": "https://LOCALHOST:443"}])
def test_posts_from_this_site_or_without_headers_pass(client, headers):
    response = sign_in(client, "a long password", headers=headers)
    assert response.status_code == 302


def test_pages_send_their_origin_with_same_site_forms(client):
    # "no-referrer" made browsers send "Origin: null" with our own forms.
    assert client.get("/").headers["Referrer-Policy"] == "same-origin"


# 7. page numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("page", ["0", "-1", "00"])
def test_page_numbers_below_one_are_not_found(client, archive, page):
    response = client.get(f"/d/{doc_id(archive, 'plain.pdf')}/p/{page}")
    assert response.status_code == 404


def test_pages_past_the_end_show_the_last_page(client, archive):
    response = client.get(f"/d/{doc_id(archive, 'plain.pdf')}/p/7")
    assert response.status_code == 200 and "a report without script" in response.get_data(
        as_text=True)


# 8. PDFs with scripts -----------------------------------------------------------------------

def test_pdf_with_script_is_an_attachment(client, archive):
    scripted = client.get(f"/d/{doc_id(archive, 'script.pdf')}/original")
    assert scripted.status_code == 200
    assert scripted.headers["Content-Disposition"].startswith("attachment")
    assert scripted.mimetype == "application/octet-stream"
    scripted.close()
    plain = client.get(f"/d/{doc_id(archive, 'plain.pdf')}/original")
    assert plain.mimetype == "application/pdf"
    assert plain.headers["Content-Disposition"].startswith("inline")
    plain.close()


@pytest.mark.parametrize("extra, found", [
    (JS_ACTION, True), ("/Names << /JavaScript 9 0 R >> ", True),
    ("/AA << /O 9 0 R >> ", True), ("/OpenAction << /S /JavaScr#69pt /J#53 (x) >> ", True),
    ("/OpenAction [3 0 R /Fit] ", False), ("/JSON (x) /AAX 1 /MyJS 2 ", False), ("", False)])
def test_has_pdf_script_reads_name_tokens(tmp_path, extra, found):
    path = tmp_path / "a.pdf"
    path.write_bytes(tiny_pdf("words", extra))
    assert has_pdf_script(path) is found


def test_has_pdf_script_reads_both_ends_of_a_large_file(tmp_path):
    path = tmp_path / "big.pdf"
    filler = b"0" * (SCAN_BYTES * 2)
    path.write_bytes(tiny_pdf("words") + filler + b"<< /JS (x) >>")
    assert has_pdf_script(path)
    path.write_bytes(tiny_pdf("words") + filler + b"<< /JS (x) >>" + filler)
    assert not has_pdf_script(path)  # the middle of a large file is not read
