"""News: reading articles and feeds, fetching URLs safely, each linking layer, fusion and
threshold, reviews that survive reindexing, the CLI and both page panels."""

from __future__ import annotations

import http.server
import json
import shutil
import threading

import numpy as np
import pytest

from app import create_app
from archive import editors, embeddings, news, xref
from archive.catalog import Catalog, connect
from archive.config import Settings
from archive.search import WhooshIndex
from cli import main
from indexer.run import index_collection
from tests.conftest import ROOT, SAMPLE, SHARED, SHARED_CORPUS, needs_shared

NEWS = ROOT / "sample_docs" / "news"


@pytest.fixture(scope="module")
def linked(tmp_path_factory):
    """The sample archive with the sample news added and linked."""
    base = tmp_path_factory.mktemp("news")
    shutil.copytree(SAMPLE, base / "release")
    settings = Settings(var=base / "var", jobs=2)
    index_collection(settings, base / "release")
    conn = connect(settings.catalog_path)
    articles = {a.source: a for a in news.load_path(NEWS)}
    xref.add_articles(conn, WhooshIndex(settings.index_dir), list(articles.values()),
                      settings.news_index_dir)
    yield settings, conn, articles, base / "release"
    conn.close()


def linked_paths(settings, conn, news_id):
    catalog = Catalog(settings.catalog_path)
    out = {}
    for link in xref.links_for_article(conn, news_id):
        out[catalog.document(link["doc_id"]).paths[-1]] = link
    catalog.close()
    return out


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


def test_explicit_references_link_by_file_name_and_quote_with_page(linked):
    settings, conn, articles, _ = linked
    links = linked_paths(settings, conn, articles["news-en-02-security-report.html"].news_id)
    report = links["reports/report-2009-security-ar.pdf"]
    quotes = {q["text"]: q["page"] for q in report["evidence"]["quotes"]}
    assert quotes["memory cards and USB drives were often lost or left unlabelled"] == 3
    education = linked_paths(settings, conn,
                             articles["news-en-01-education-letters.html"].news_id)
    assert "file letter-012-en-translation.txt" in \
        education["letters/letter-012-en-translation.txt"]["evidence"]["references"]


def test_every_judged_link_is_found_and_none_is_wrong(linked):
    """The bar of the sample set: sample_docs/news-judgements.json, exactly."""
    settings, conn, articles, _ = linked
    judged = json.loads((ROOT / "sample_docs" / "news-judgements.json").read_text("utf-8"))
    for source, paths in judged.items():
        if source.startswith("_"):
            continue
        found = set(linked_paths(settings, conn, articles[source].news_id))
        catalog = Catalog(settings.catalog_path)
        expected = {catalog.document(catalog.resolve(p)).paths[-1] for p in paths}
        catalog.close()
        assert found == expected, source


def test_held_out_articles_link_to_no_wrong_document(linked):
    """Articles written after the layers were tuned (sample_docs/news-holdout): nothing a
    reader would call wrong, and five of the six judged links (the Persian library report,
    described by neither name nor form, is beyond the embedding model: it has no Persian)."""
    settings, conn, _, _ = linked
    judged = json.loads((ROOT / "sample_docs" / "news-holdout-judgements.json")
                        .read_text("utf-8"))
    index = WhooshIndex(settings.index_dir)
    catalog = Catalog(settings.catalog_path)
    found_right = 0
    for article in news.load_path(ROOT / "sample_docs" / "news-holdout"):
        expected = {catalog.resolve(p) for p in judged[article.source]}
        found = {link.doc_id for link in xref.link_article(conn, index, article)
                 if link.score >= xref.THRESHOLD}
        assert found <= expected, article.source
        found_right += len(found)
    catalog.close()
    assert found_right >= 5


def test_a_sentence_describing_a_file_links_it_across_scripts(linked):
    """"A letter in Persian in which a man named Reza writes...": a rare language and a name
    in one sentence point at the one Persian letter signed Reza, though the embedding model
    knows no Persian."""
    settings, conn, articles, _ = linked
    story = linked_paths(settings, conn, articles["news-ar-04-family-letters.txt"].news_id)
    persian = story["letters/letter-008-fa.txt"]
    assert "رضا" in persian["evidence"]["described"] and "بالفارسية" in \
        persian["evidence"]["described"]
    assert "written in fa" in persian["evidence"]["references"]
    assert "reza" in persian["evidence"]["entities"]
    assert "letters/letter-016-fa.html" not in story  # Persian too, but not Reza's


def test_shared_phrases_and_passages_are_evidence_with_their_page(linked):
    settings, conn, _, _ = linked
    index = WhooshIndex(settings.index_dir)
    article = news.NewsArticle(
        news_id="ntest", title="Couriers lost data",
        text="Officials found that memory cards and USB drives were often lost or left "
             "unlabelled by couriers, a report on safety and communications says.")
    links = {link.doc_id: link for link in xref.link_article(conn, index, article)}
    catalog = Catalog(settings.catalog_path)
    report = catalog.resolve("reports/report-2009-security-ar.pdf")
    catalog.close()
    assert "memory cards and USB drives were often lost or left unlabelled" in \
        " ".join(links[report].evidence["phrases"])  # unquoted, yet found verbatim
    assert links[report].page == 3 and links[report].score >= xref.THRESHOLD
    assert all(link.score < xref.THRESHOLD for d, link in links.items() if d != report)


def test_names_are_matched_as_whole_words_in_documents(linked):
    settings, conn, _, _ = linked
    catalog = Catalog(settings.catalog_path)
    safe = catalog.resolve("letters/letter-006-ar.rtf")  # "وصلت ... سالمة": arrived safe
    salim = catalog.resolve("letters/letter-003-ar-cp1256.txt")  # "الأخ سالم"
    catalog.close()
    assert not xref._names_verified(conn, "salim", safe)
    assert xref._names_verified(conn, "salim", salim)


def test_embeddings_are_computed_at_index_time(linked, tmp_path):
    settings, conn, _, _ = linked
    readable = conn.execute("SELECT COUNT(*) FROM documents WHERE present = 1 AND "
                            "status = 'ok'").fetchone()[0]
    embedded = conn.execute("SELECT COUNT(DISTINCT doc_id) FROM chunks").fetchone()[0]
    assert embedded == readable
    assert embeddings.pending(conn) == []
    folder = tmp_path / "few"
    folder.mkdir()
    shutil.copy(SAMPLE / "letters" / "letter-012-en-translation.txt", folder)
    quick = Settings(var=tmp_path / "var", jobs=1, embeddings=False)
    assert index_collection(quick, folder).embedded == 0
    few = connect(quick.catalog_path)
    assert len(embeddings.pending(few)) == 1  # left for later: the next run or a relink
    assert index_collection(Settings(var=tmp_path / "var", jobs=1), folder).embedded == 1
    embeddings.vector_path(few).unlink()  # killed after the vectors' commit, before the file
    assert index_collection(Settings(var=tmp_path / "var", jobs=1), folder).embedded == 0
    assert not embeddings.vectors_stale(few)  # the next run brought it back
    units = embeddings.document_units(few, few.execute("SELECT doc_id FROM documents")
                                      .fetchone()[0])
    stored = few.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    few.close()
    assert stored == len(units) > 3


def test_the_vector_index_is_a_projection_rebuilt_when_lost(linked, tmp_path):
    settings, conn, _, _ = linked
    shutil.copy(settings.catalog_path, tmp_path / "catalog.sqlite")
    copy = connect(tmp_path / "catalog.sqlite")
    assert not embeddings.vectors_stale(conn)  # the index run wrote it
    assert embeddings.vectors_stale(copy)  # no file beside the copied catalog
    embeddings.ensure_embeddings(copy)  # a run after a crash: the file is rebuilt
    vectors = embeddings.VectorIndex(embeddings.vector_path(copy), copy)
    stored = copy.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
    assert len(vectors) == stored and not embeddings.vectors_stale(copy)
    doc_id, n, blob = copy.execute("SELECT doc_id, n, vector FROM chunks LIMIT 1").fetchone()
    query = np.frombuffer(blob, dtype=np.float16).astype(np.float32)[None, :]
    keys, sims = vectors.search(query, 3)[0]
    assert int(keys[0]) == embeddings.unit_key(doc_id, n) and sims[0] > 0.99
    assert vectors.present_documents(keys[:1]) == {int(keys[0]): doc_id}
    embeddings.vector_path(copy).write_bytes(b"not an index")  # damaged on disk
    assert len(embeddings.VectorIndex(embeddings.vector_path(copy), copy)) == stored
    copy.close()


def test_sentence_units_split_scripts_and_cap_length():
    text = "First sentence is here and long. Second one ends with a question?\n\n" \
           "جملة عربية طويلة بما يكفي للاختبار؟ وأخرى تليها هنا أيضا.\n" + "x" * 700
    units = embeddings.split_sentences(text)
    assert units[0] == "First sentence is here and long."
    assert "جملة عربية طويلة بما يكفي للاختبار؟" in units
    assert max(len(u) for u in units) <= embeddings.UNIT_CHARS
    many = embeddings.units_of("Title", [(n, f"Sentence number {n} is long enough here.")
                                         for n in range(1, 101)])
    assert len(many) == embeddings.MAX_UNITS and many[0] == (1, "Title")
    assert many[-1][0] > 90  # spread over the whole document, not its first pages


def test_entities_and_similarity_link_across_languages(linked):
    settings, conn, articles, _ = linked
    arabic_story = linked_paths(settings, conn,
                                articles["news-ar-03-media-committee.html"].news_id)
    report = arabic_story["reports/report-2010-media-en.pdf"]  # an English document
    assert report["evidence"]["passage"]["margin"] >= xref.SEMANTIC_FLOOR
    email = arabic_story["mail/message-023-en-media-report.eml"]
    assert {"hamza", "yunus"} <= set(email["evidence"]["entities"])


def test_a_general_story_about_the_release_links_to_nothing(linked):
    settings, conn, articles, _ = linked
    general = articles["news-en-06-general-release.html"].news_id
    assert xref.links_for_article(conn, general) == []
    scores = [link.score for link in xref.link_article(conn, WhooshIndex(settings.index_dir),
                                                        news.get_article(conn, general))]
    assert all(score < xref.THRESHOLD for score in scores)


def test_fusion_is_a_noisy_or_of_the_layers():
    link = xref.Link("d", signals={"quote": 1.0})
    assert link.fuse() == pytest.approx(xref.WEIGHTS["quote"])
    link.signals["semantic"] = 1.0
    assert link.fuse() > xref.WEIGHTS["quote"]
    weak = xref.Link("d", signals={"pages": 1.0})
    assert weak.fuse() < xref.THRESHOLD  # a page count alone never links


def test_reviews_survive_reindexing(linked):
    settings, conn, articles, folder = linked
    story = articles["news-en-05-expenses.txt"].news_id
    catalog = Catalog(settings.catalog_path)
    letter = catalog.resolve("letters/letter-003-ar-cp1256.txt")
    xlsx = catalog.resolve("reports/expenses-2010.xlsx")
    catalog.close()
    xref.review(conn, story, letter, "confirmed", "amira")
    xref.review(conn, story, xlsx, "rejected", "amira")
    (folder / "letters/letter-013-ar-library.txt").unlink()  # a change: the index run relinks
    summary = index_collection(settings, folder)
    assert summary.relinked == len(articles)
    shown = {link["doc_id"]: link for link in xref.links_for_article(conn, story)}
    assert shown[letter]["review"] == "confirmed" and shown[letter]["reviewed_by"] == "amira"
    assert xlsx not in shown
    index = WhooshIndex(settings.index_dir)
    from archive.model import SearchRequest

    covered = index.search(SearchRequest("الوالدة", filters=(("news", "covered"),)))
    assert letter in {h.doc_id for h in covered.hits}


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
    assert doc["news"][0]["id"] == added[0]["id"]
    again = runner.invoke(main, ["news", "add", "http://127.0.0.1:9/x", "--var", str(var)])
    assert again.exit_code == 1 and "private or local" in again.output


def test_site_panels_and_editor_only_changes(linked):
    settings, conn, articles, _ = linked
    client = create_app(settings).test_client()
    story = articles["news-en-02-security-report.html"].news_id
    page = client.get(f"/n/{story}").get_data(as_text=True)
    assert "Documents this article discusses" in page and "page 3" in page
    catalog = Catalog(settings.catalog_path)
    report = catalog.resolve("reports/report-2009-security-ar.pdf")
    catalog.close()
    doc_page = client.get(f"/d/{report}").get_data(as_text=True)
    assert "News coverage" in doc_page and "A five-page report on couriers" in doc_page
    assert client.get(f"/n/{story}.json").get_json()["links"][0]["doc_id"] == report
    family = client.get(f"/n/{articles['news-ar-04-family-letters.txt'].news_id}")
    assert "Described in the article" in family.get_data(as_text=True)
    assert "يكتب فيها رجل اسمه رضا" in family.get_data(as_text=True)
    expenses = client.get(f"/n/{articles['news-en-05-expenses.txt'].news_id}")
    assert "Closest passage: the article's <q dir=\"auto\">" in expenses.get_data(as_text=True)

    form = {"doc_id": report, "decision": "rejected"}
    assert client.post(f"/n/{story}/review", data=form).status_code == 403  # not signed in
    editors.set_password(conn, "amira", "a long password")
    login_page = client.get("/login")
    token = login_page.get_data(as_text=True).split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post("/login", data={"name": "amira", "password": "wrong one",
                                       "csrf_token": token}).status_code == 200
    signed = client.post("/login", data={"name": "amira", "password": "a long password",
                                         "csrf_token": token})
    assert signed.status_code == 302
    page = client.get(f"/n/{story}").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    assert client.post(f"/n/{story}/review", data=form).status_code == 400  # no CSRF token
    done = client.post(f"/n/{story}/review", data=form | {"csrf_token": token})
    assert done.status_code == 302
    assert report not in {r["doc_id"] for r in xref.links_for_article(conn, story)}
    xref.review(conn, story, report, "suggested", "amira")  # leave the fixture as it was

    upload = client.post("/news/add", data={
        "csrf_token": token,
        "file": (open(NEWS / "news-en-05-expenses.txt", "rb"), "expenses.txt")},
        content_type="multipart/form-data")
    assert upload.status_code == 302 and "/n/" in upload.headers["Location"]
    found = client.get("/news", query_string={"q": "dictionaries"}).get_data(as_text=True)
    assert "Household accounts list rice" in found  # the uploaded article, searchable
    assert "A five-page report" not in found


def test_real_stories_link_to_the_real_letters(tmp_path):
    """The 2011-2012 stories about bin Laden's letters against the CTC's 17 letters."""
    letters = needs_shared(SHARED_CORPUS / "ctc-letters-from-abbottabad-2012")
    stories = needs_shared(SHARED_CORPUS / "news-binladen-documents-en")
    shutil.copytree(letters, tmp_path / "letters", ignore=shutil.ignore_patterns("SOURCE.md"))
    settings = Settings(var=tmp_path / "var", jobs=2, ocr=False)
    index_collection(settings, tmp_path / "letters")
    conn = connect(settings.catalog_path)
    index = WhooshIndex(settings.index_dir)
    articles = news.load_path(stories) + news.load_path(SHARED / "seeds")
    xref.add_articles(conn, index, articles)
    catalog = Catalog(settings.catalog_path)
    by_title = {a.title: {catalog.document(link["doc_id"]).paths[0]
                          for link in xref.links_for_article(conn, a.news_id)}
                for a in articles}
    catalog.close()
    conn.close()
    rename = next(t for t in by_title if t.startswith("Osama bin Laden wanted to give"))
    # The corpus notes that this story describes the letter SOCOM-2012-0000009.
    assert by_title[rename] == {"text/SOCOM-2012-0000009.txt"}
    iran = next(t for t in by_title if t.startswith("Iranian Officials Deny"))
    assert by_title[iran] == set()  # the Iran document is not among these letters
    # The CIA's budget before 2001 and the SEALs' training site: about no letter here.
    others = [t for t in by_title if t.startswith(("In the months before", "Satellite images"))]
    assert len(others) == 2 and all(by_title[t] == set() for t in others)
