"""The site in a real browser: headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

import re

import pytest

from archive.config import Settings
from indexer.run import index_collection
from tests.conftest import CHROMIUM, Site, shoot

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(make test installs it)")


@pytest.fixture(scope="module")
def site(sample_archive):
    served = Site(sample_archive[0])
    yield served.url
    served.stop()


def test_search_with_facets_narrows_the_results(site, page):
    page.goto(site + "/")
    assert "What the archive holds" in page.inner_text("h1")
    shoot(page, "overview")
    page.fill("#q", "library OR المكتبة")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    count = page.inner_text("p.count")
    total = int(count.split()[0])
    assert total >= 5
    shoot(page, "search")
    page.click("aside.facets a:text-is('Arabic (ar)')")
    page.wait_for_url(re.compile(r"f=lang%3Aar|f=lang:ar"))
    narrowed = int(page.inner_text("p.count").split()[0])
    assert 0 < narrowed < total
    assert page.inner_text("aside.facets a.chosen") == "Arabic (ar)"
    for meta in page.locator("li.hit .meta").all_inner_texts():
        assert "ar" in meta


def test_result_opens_at_the_page_of_the_hit_with_the_hit_marked(site, page):
    page.goto(site + '/search?q="memory cards"')
    page.click("li.hit a.title")
    page.wait_for_url(re.compile(r"/d/[0-9a-f]{16}/p/3\?q="))
    current = page.locator("section.page.current")
    assert current.get_attribute("id") == "p3"
    marks = current.locator("mark").all_inner_texts()
    assert marks[:2] == ["memory", "cards"]
    from playwright.sync_api import expect

    expect(current.locator("mark").first).to_be_in_viewport()  # docket.js scrolled to it
    image = current.locator("img.page-image")
    expect(image).to_have_js_property("complete", True)
    assert image.evaluate("img => img.naturalWidth") > 300  # the page rendered on the server
    shoot(page, "document-pdf")


def test_citation_copy_button_puts_the_citation_on_the_clipboard(site, browser, sample_catalog):
    context = browser.new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    page.goto(f"{site}/d/{doc_id}")
    citation = page.inner_text("#citation")
    assert doc_id in citation and f"/d/{doc_id}" in citation and "SHA-256" in citation
    page.click("button.copy")
    page.wait_for_selector(".copied:text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == citation
    context.close()


def test_arabic_document_is_shown_right_to_left(site, page, sample_catalog):
    doc_id = sample_catalog.resolve("letters/letter-001-ar.txt")
    page.goto(f"{site}/d/{doc_id}")
    text = page.locator("pre.text").first
    assert text.get_attribute("dir") == "rtl"
    assert text.evaluate("el => getComputedStyle(el).direction") == "rtl"
    assert "التعليم" in text.inner_text()
    english = sample_catalog.resolve("letters/letter-012-en-translation.txt")
    page.goto(f"{site}/d/{english}")
    assert page.locator("pre.text").first.evaluate(
        "el => getComputedStyle(el).direction") == "ltr"
    page.goto(f"{site}/d/{doc_id}")
    shoot(page, "document-arabic")


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    folder = base / "release"
    folder.mkdir()
    payload = '<script>window.__xss=1;alert("xss")</script><img src=x onerror="window.__xss=2">'
    # libmagic calls any text with "<script" HTML (and the HTML reader drops scripts), so the
    # plain-text letter carries the payloads that stay text.
    (folder / "letter.txt").write_text(
        'Dear brother, <img src=x onerror="window.__xss=2;alert(2)"> and '
        '<svg onload="window.__xss=4"></svg> and <iframe src="javascript:alert(5)"></iframe>\n')
    (folder / '"><img src=x onerror=alert(1)>.txt').write_text("A file whose name is hostile.\n")
    (folder / "page.html").write_text(
        f"<html><head><title>{payload}</title></head><body><p>visible {payload}</p>"
        "</body></html>")
    (folder / "image.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><script>window.__xss=3</script>'
        "<text>svg text</text></svg>")
    settings = Settings(var=base / "var", jobs=1, ocr=False)
    index_collection(settings, folder)
    served = Site(settings)
    yield served.url, settings
    served.stop()


def test_documents_with_script_in_their_text_run_no_script(hostile_site, page):
    site, settings = hostile_site
    from archive.catalog import Catalog

    catalog = Catalog(settings.catalog_path)
    for path in ["letter.txt", "page.html", '"><img src=x onerror=alert(1)>.txt', "image.svg"]:
        doc_id = catalog.resolve(path)
        page.goto(f"{site}/d/{doc_id}")
        assert page.evaluate("window.__xss") is None, path
    letter = catalog.resolve("letter.txt")
    page.goto(f"{site}/d/{letter}")
    assert '<img src=x onerror="window.__xss=2' in page.inner_text("pre.text")  # shown, not run
    page.goto(f"{site}/search?q=letter OR hostile OR visible OR svg")
    assert page.evaluate("window.__xss") is None
    assert page.locator("li.hit").count() >= 3
    assert page.dialogs == []
    catalog.close()


def test_site_works_with_the_keyboard_and_on_a_phone(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(site + "/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("المكتبة")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search\?"))
    assert int(page.inner_text("p.count").split()[0]) > 0
    # Nothing wider than the phone's screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(page, "search-phone")
    context.close()


QUOTE_BOXES = """el => {
  const boxes = {};
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  let node, last = null;
  const box = (n, i) => { const r = document.createRange(); r.setStart(n, i);
                          r.setEnd(n, i + 1); return r.getBoundingClientRect().toJSON(); };
  while ((node = walker.nextNode())) {
    const open = node.data.indexOf("\u201c"), close = node.data.indexOf("\u201d");
    if (!boxes.open && open >= 0) boxes.open = box(node, open);
    if (!boxes.close && close >= 0) boxes.close = box(node, close);
    if (node.data.trim()) last = node;
  }
  boxes.period = box(last, last.data.trimEnd().length - 1);
  return boxes;
}"""


def test_citation_of_an_arabic_title_reads_left_to_right(site, page, sample_catalog):
    doc_id = sample_catalog.resolve("media/audio-020-ar-statement.mp3")
    page.goto(f"{site}/d/{doc_id}")
    citation = page.locator("#citation")
    text = citation.evaluate("el => el.innerText").strip()
    assert text.startswith("“كلمة عن التعليم”, ") and text.endswith(".")
    assert citation.evaluate("el => getComputedStyle(el).direction") == "ltr"
    boxes = citation.evaluate(QUOTE_BOXES)
    # The opening quote of a left-to-right sentence sits left of the closing one, on the
    # first line; the period ends the last line, at its right.
    assert abs(boxes["open"]["top"] - boxes["close"]["top"]) < 2
    assert boxes["open"]["left"] < boxes["close"]["left"]
    assert boxes["period"]["top"] >= boxes["close"]["top"]
    line = citation.evaluate("el => el.getBoundingClientRect().toJSON()")
    assert boxes["period"]["right"] > line["left"] + 50
    page.goto(f"{site}/search?q=التعليم")
    count = page.locator("p.count").evaluate("el => el.innerText")
    assert re.match(r"\d+ documents? match(es)? “التعليم”", count), count


def test_batch_search_runs_a_list_of_names_as_a_table(site, page):
    page.goto(site + "/batch")
    page.fill("#queries", "bin Laden\nIran al-Qaida\n# a comment\nالمكتبة\nnosuchwordanywhere")
    page.click("button:text-is('Run the searches')")
    rows = page.locator("table.batch-results tbody tr")
    assert rows.count() == 4  # the comment is skipped
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(4)]
    assert [c[0] for c in cells] == ["bin Laden", "Iran al-Qaida", "المكتبة",
                                     "nosuchwordanywhere"]
    assert int(cells[0][1]) >= 2 and "letter-026-en-bin-laden-translation.txt" in cells[0][2]
    assert cells[3][1] == "0" and "No document matches." in cells[3][2]
    rows.nth(0).locator("td ol.top a").first.click()  # a top document opens at its hit
    page.wait_for_url(re.compile(r"/d/[0-9a-f]{16}"))
    assert page.locator("mark").count() >= 1


def test_an_empty_search_browses_the_archive_newest_first(site, page, sample_catalog):
    page.goto(site + "/")
    page.fill("#q", "")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search"))
    count = page.inner_text("p.count")
    assert "documents in the archive" in count
    assert int(count.split()[0]) == sample_catalog.counts()["documents"]
    assert page.locator("aside.facets a").count() >= 5  # facets on
    dates = [d for d in page.locator("li.hit .meta").all_inner_texts()]
    years = [int(m) for text in dates for m in re.findall(r"\b(20\d\d)-\d\d-\d\d\b", text)[:1]]
    assert years and years == sorted(years, reverse=True)
