"""News: reading articles and feeds, fetching URLs safely, and the news commands."""

from __future__ import annotations

import http.server
import json
import shutil
import threading

import pytest

from archive import news, xref
from archive.config import Settings
from cli import main
from indexer.run import index_collection
from tests.conftest import NEWS, SAMPLE


def test_parse_html_article_gives_text_and_byline():
    article = news.parse_article((NEWS / "news-en-02-security-report.html").read_bytes(),
                                 source="x.html")
    assert article.title == "A five-page report on couriers and archives"
    assert article.outlet == "Archive Watch" and "Morgan" in article.author
    assert article.published == "2017-11-05"
    assert "memory cards" in article.text and "<p>" not in article.text


def test_parse_text_article_reads_the_byline_line():
    article = news.parse_article((NEWS / "news-ar-04-family-letters.txt").read_bytes(), "a.txt")
    assert article.title == "رسائل عائلية بالفارسية والأردية في الأرشيف"
    assert article.outlet == "مجلة الأرشيف" and article.published == "2017-11-08"


def test_parse_text_skips_bylines_and_timestamps_before_the_headline():
    article = news.parse_text("By \nDavid Writer\n\nUPDATED:\n\n09:52 EST, 24 June 2011\n\n"
                              "Letters found in the house describe the courier network\n\n"
                              "Body text.\n\n@highlight\n\nA highlight", source="a.story")
    assert article.title == "Letters found in the house describe the courier network"
    assert article.author == "David Writer" and article.published == "2011-06-24"
    assert "@highlight" not in article.text


def test_feed_items_are_read(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
      <item><title>Letters found</title><link>http://example.invalid/a</link>
      <description>Letters about a library were found in the archive.</description>
      <pubDate>Wed, 01 Nov 2017 10:00:00 GMT</pubDate></item></channel></rss>""")
    articles = news.load_path(feed)
    assert [a.title for a in articles] == ["Letters found"]
    assert articles[0].outlet == "Wire" and articles[0].published == "2017-11-01"


@pytest.mark.parametrize("url", ["http://127.0.0.1/x", "http://localhost/x", "http://[::1]/x",
                                 "http://10.1.2.3/x", "http://169.254.169.254/latest/meta-data",
                                 "http://192.168.0.1/", "file:///etc/passwd", "ftp://a/b"])
def test_fetching_private_addresses_and_other_schemes_is_refused(url):
    with pytest.raises(news.FetchError):
        news.fetch(url)


@pytest.fixture
def local_server():
    """A news site on loopback: an article, a feed, a redirect loop, a redirect to file://
    and an oversized page."""
    article = (NEWS / "news-en-02-security-report.html").read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the http.server interface
            port = self.server.server_address[1]
            routes = {
                "/article.html": (200, "text/html", article),
                "/feed.xml": (200, "application/rss+xml", (
                    f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
                    f'<item><title>Couriers</title><link>http://127.0.0.1:{port}/article.html'
                    f'</link><description>short</description></item></channel></rss>'
                ).encode()),
                "/big.html": (200, "text/html", b"<p>" + b"x" * (news.MAX_BYTES + 10)),
            }
            if self.path == "/loop":
                self.send_response(302)
                self.send_header("Location", "/loop")
                self.end_headers()
                return
            if self.path == "/to-file":
                self.send_response(302)
                self.send_header("Location", "file:///etc/passwd")
                self.end_headers()
                return
            status, ctype, body = routes.get(self.path, (404, "text/plain", b"no"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_url_fetching_with_a_local_server(local_server):
    with pytest.raises(news.FetchError, match="private or local"):
        news.load_url(local_server + "/article.html")  # loopback refused by default
    [article] = news.load_url(local_server + "/article.html", allow_private=True)
    assert article.title == "A five-page report on couriers and archives"
    assert article.url.endswith("/article.html")
    [item] = news.load_url(local_server + "/feed.xml", allow_private=True)
    assert "memory cards" in item.text  # the feed item's page was fetched
    with pytest.raises(news.FetchError, match="redirect"):
        news.fetch(local_server + "/loop", allow_private=True)
    with pytest.raises(news.FetchError, match="http"):
        news.fetch(local_server + "/to-file", allow_private=True)  # every hop is checked
    with pytest.raises(news.FetchError, match="larger than"):
        news.fetch(local_server + "/big.html", allow_private=True)


def test_cli_news_add_list_show_json(tmp_path, runner):
    shutil.copytree(SAMPLE / "reports", tmp_path / "release" / "reports")
    var = tmp_path / "var"
    index_collection(Settings(var=var, jobs=1, ocr=False), tmp_path / "release")
    result = runner.invoke(main, ["news", "add", str(NEWS / "news-en-02-security-report.html"),
                                  "--var", str(var), "--json"])
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["added"]
    assert added[0]["title"] == "A five-page report on couriers and archives"
    shown = json.loads(runner.invoke(main, ["news", "show", added[0]["id"], "--var", str(var),
                                            "--json"]).stdout)
    assert shown["links"][0]["score"] >= xref.THRESHOLD
    assert {"doc_id", "score", "evidence"} <= set(shown["links"][0])
    found = json.loads(runner.invoke(main, ["news", "search", "couriers", "--var", str(var),
                                            "--json"]).stdout)
    assert [h["id"] for h in found["hits"]] == [added[0]["id"]]
    none = json.loads(runner.invoke(main, ["news", "search", "zebra", "--var", str(var),
                                           "--json"]).stdout)
    assert none["total"] == 0
    listed = json.loads(runner.invoke(main, ["news", "list", "--var", str(var), "--json"]).stdout)
    assert listed["articles"][0]["links"] >= 1
    doc = json.loads(runner.invoke(main, ["show", "reports/report-2009-security-ar.pdf",
                                          "--var", str(var), "--json"]).stdout)
    assert doc["news"][0]["news_id"] == added[0]["id"]
    again = runner.invoke(main, ["news", "add", "http://127.0.0.1:9/x", "--var", str(var)])
    assert again.exit_code == 1 and "private or local" in again.output


def test_cli_news_add_reads_every_source_and_reports_the_failed_ones(tmp_path, runner):
    shutil.copytree(SAMPLE / "reports", tmp_path / "release" / "reports")
    var = tmp_path / "var"
    index_collection(Settings(var=var, jobs=1, ocr=False, embeddings=False),
                     tmp_path / "release")
    sources = [NEWS / "news-en-02-security-report.html", tmp_path / "missing.html",
               "http://127.0.0.1:9/x", NEWS / "news-en-05-expenses.txt"]
    result = runner.invoke(main, ["news", "add", *map(str, sources), "--var", str(var),
                                  "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert len(data["added"]) == 2
    assert [f["source"] for f in data["failed"]] == [str(sources[1]), sources[2]]
    errors = result.stderr.strip().splitlines()
    assert len(errors) == 2 and errors[0].startswith("Could not read")
    assert runner.invoke(main, ["news", "add", "--var", str(var)]).exit_code == 2


@pytest.mark.parametrize("name, language", [("news-ar-04-family-letters.txt", "ar"),
                                            ("news-en-05-expenses.txt", "en")])
def test_an_article_declaring_no_language_gets_the_language_of_its_text(tmp_path, name,
                                                                        language):
    from archive.catalog import connect
    from indexer.news import store_article

    article = news.parse_article((NEWS / name).read_bytes(), source=name)
    assert article.language is None  # plain text declares nothing
    conn = connect(tmp_path / "catalog.sqlite")
    assert store_article(conn, article)
    assert news.get_article(conn, article.news_id).language == language
    conn.close()
