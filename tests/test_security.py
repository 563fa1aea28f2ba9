"""Hostile input on the site: XSS payloads in text, titles and names; path traversal;
active originals; and permalinks that survive moves, renames and reindexing."""

from __future__ import annotations

import re
import shutil
from html.parser import HTMLParser

import pytest

from app import create_app
from archive.catalog import Catalog
from archive.config import Settings
from indexer.run import index_collection
from tests.conftest import ROOT, SAMPLE

XSS = [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>",
    "\"><script>alert(1)</script>", "'><img src=x onerror=alert(1)>",
    "<iframe src=javascript:alert(1)>", "<body onload=alert(1)>", "<a href=javascript:alert(1)>x",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>", "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>", "<input autofocus onfocus=alert(1)>",
    "<marquee onstart=alert(1)>", "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>", "<form action=javascript:alert(1)><button>",
    "<isindex action=javascript:alert(1) type=image>", "<link rel=import href=data:,x>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<base href=javascript:alert(1)//>", "<style>@import 'javascript:alert(1)'</style>",
    "<div style=\"background:url(javascript:alert(1))\">", "<img src=`x`onerror=alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=1>", "<svg><script>alert(1)</script></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x>", "<select autofocus onfocus=alert(1)>",
    "<textarea autofocus onfocus=alert(1)>", "<keygen autofocus onfocus=alert(1)>",
    "javascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>", "%3Cscript%3Ealert(1)%3C/script%3E",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "<IMG SRC=\"jav&#x09;ascript:alert(1);\">",
    "<img src=x onerror=&#97;&#108;&#101;&#114;&#116;(1)>", "<<script>alert(1)//<</script>",
    "</textarea><script>alert(1)</script>", "</title><script>alert(1)</script>",
    "</pre><script>alert(1)</script>", "<!--<img src=\"--><img src=x onerror=alert(1)//\">",
    "{{7*7}}<script>alert(1)</script>", "${alert(1)}", "<x onclick=alert(1)>click",
    "<table background=javascript:alert(1)>", "<frameset onload=alert(1)>",
    "<svg/onload=alert(1)>", "\u202e<script>alert(1)</script>",
    "\"onmouseover=\"alert(1)",
]
TRAVERSAL = [
    "../../etc/passwd", "..%2f..%2fetc%2fpasswd", "%2e%2e/%2e%2e/etc/passwd",
    "....//....//etc/passwd", "..\\..\\windows\\win.ini", "/etc/passwd", "%2Fetc%2Fpasswd",
    "..%252f..%252fetc%252fpasswd", "..;/..;/etc/passwd", "%c0%ae%c0%ae/etc/passwd",
    "file:///etc/passwd", "....\\/....\\/etc/passwd", "..%00/etc/passwd",
    "..%5c..%5cetc%5cpasswd", "~/.ssh/id_rsa", "var/catalog.sqlite", "../var/catalog.sqlite",
    "letters/../../../../etc/shadow", "%2e%2e%5c%2e%2e%5cetc%5cpasswd", ".%2e/.%2e/etc/passwd",
    "0123456789abcdef/../../etc/passwd", "0123456789abcdef%2f..%2f..%2fetc%2fpasswd",
    "\u2025/\u2025/etc/passwd", "..%u2216..%u2216etc/passwd", "/proc/self/environ",
    "release/letters/letter-001-ar.txt", "letters/letter-001-ar.txt", "blobs/00/00",
    "%00", "..",
]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    base = tmp_path_factory.mktemp("xss")
    folder = base / "release"
    folder.mkdir()
    for i, payload in enumerate(XSS):
        (folder / f"text-{i:02d}.txt").write_text(f"plain words before {payload} after {i}\n")
        (folder / f"title-{i:02d}.html").write_text(
            f"<html><head><title>{payload}</title></head><body><p>body {i} {payload}</p>"
            "</body></html>")
        name = "".join(c for c in payload if c not in "/\0")[:80] or f"empty{i}"
        (folder / f"{i:02d}-{name}.txt").write_text(f"named file {i}\n")
    (folder / "active.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script><text>t</text></svg>')
    (folder / "active.html").write_text("<html><body><script>alert(1)</script>hi</body></html>")
    settings = Settings(var=base / "var", jobs=2, ocr=False)
    summary = index_collection(settings, folder)
    assert set(summary.failed) <= {"no text"}, summary.failures  # a payload-only page
    return settings, create_app(settings).test_client()


def all_doc_ids(settings):
    catalog = Catalog(settings.catalog_path)
    ids = [r[0] for r in catalog.conn.execute("SELECT doc_id FROM documents")]
    catalog.close()
    return ids


# Every element our templates use (read off templates/, so a new template's <dialog> or
# <kbd> is ours), and the SVG the charts draw; a payload that escaped escaping would add
# another (<iframe>, <style>, <object>...), an event-handler attribute, or a javascript:
# link.
OUR_TAGS = {m.lower() for t in (ROOT / "templates").glob("*.html")
            for m in re.findall(r"<([a-zA-Z][a-zA-Z0-9]*)\b", t.read_text(encoding="utf-8"))
            } | {"svg", "text", "rect"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems = []

    def handle_starttag(self, tag, attrs):
        if tag not in OUR_TAGS:
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on") or (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value}>")
        if tag == "script" and dict(attrs).get("src") != "/static/docket.js":
            self.problems.append("<script> not ours")
        if tag == "img" and not (dict(attrs).get("src") or "").startswith("/d/"):
            self.problems.append(f"<img src={dict(attrs).get('src')}>")


def assert_inert(body: str) -> None:
    parser = _Tags()
    parser.feed(body)
    assert parser.problems == []


def test_fifty_xss_payloads_in_text_titles_and_names_are_escaped(hostile):
    settings, client = hostile
    assert len(XSS) >= 50
    for doc_id in all_doc_ids(settings):
        page = client.get(f"/d/{doc_id}")
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))
    for query in ["plain", "body", "named", "file"]:
        page = client.get("/search", query_string={"q": query})
        assert page.status_code == 200
        assert_inert(page.get_data(as_text=True))
    assert_inert(client.get("/").get_data(as_text=True))


def test_thirty_path_traversal_payloads_never_reach_the_file_system(hostile):
    settings, client = hostile
    assert len(TRAVERSAL) >= 30
    for payload in TRAVERSAL:
        for url in (f"/d/{payload}", f"/d/{payload}/original", f"/d/{payload}.json",
                    f"/static/{payload}", f"/d/0123456789abcdef/p/1/{payload}"):
            response = client.get(url)
            body = response.get_data()
            assert response.status_code in (404, 400, 308), (url, response.status_code)
            assert b"root:" not in body and b"SQLite format" not in body, url
            response.close()


def test_active_originals_are_downloads_with_a_neutral_type(hostile):
    settings, client = hostile
    catalog = Catalog(settings.catalog_path)
    for path in ("active.svg", "active.html", "title-00.html"):
        response = client.get(f"/d/{catalog.resolve(path)}/original")
        assert response.status_code == 200
        assert response.mimetype == "application/octet-stream"
        assert response.headers["Content-Disposition"].startswith("attachment")
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
        response.close()
    catalog.close()


def test_permalinks_survive_moves_renames_and_reindexing(tmp_path):
    folder = tmp_path / "release"
    shutil.copytree(SAMPLE / "letters", folder / "letters")
    settings = Settings(var=tmp_path / "var", jobs=2, ocr=False)
    index_collection(settings, folder)
    client = create_app(settings).test_client()
    catalog = Catalog(settings.catalog_path)
    doc_id = catalog.resolve("letters/letter-002-ar.pdf")
    gone_id = catalog.resolve("letters/letter-009-ur.txt")
    catalog.close()
    before = client.get(f"/d/{doc_id}").get_data(as_text=True)

    (folder / "moved").mkdir()
    (folder / "letters/letter-002-ar.pdf").rename(folder / "moved/renamed.pdf")
    (folder / "letters/letter-009-ur.txt").unlink()
    index_collection(settings, folder)
    index_collection(Settings(var=settings.var, jobs=1, ocr=False), folder)  # and again
    page = client.get(f"/d/{doc_id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "moved/renamed.pdf" in body and "تأخر الرسول" in body
    assert before.count("تأخر الرسول") == body.count("تأخر الرسول")
    assert client.get(f"/d/{doc_id}/p/1").status_code == 200
    assert client.get(f"/d/{doc_id}.json").get_json()["paths"] == ["moved/renamed.pdf"]
    gone = client.get(f"/d/{gone_id}")
    assert gone.status_code == 410
    text = gone.get_data(as_text=True)
    assert "No longer in the archive" in text and "letters/letter-009-ur.txt" in text
    assert client.get(f"/d/{gone_id}.json").get_json()["present"] is False


def test_the_inertness_check_catches_live_markup():
    for bad in ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>',
                '<a href="javascript:alert(1)">x</a>', '<iframe src=x>']:
        with pytest.raises(AssertionError):
            assert_inert(bad)
    assert_inert("<p>&lt;script&gt;alert(1)&lt;/script&gt; onerror=alert(1)</p>")
