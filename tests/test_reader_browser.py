"""The reader in a real browser (Debian's headless Chromium through Playwright): next and
previous hit across pages, back to the results, the keyboard shortcuts and their sheet."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest

from archive.catalog import Catalog
from tests.conftest import CHROMIUM, Site
from tests.test_reader import build_long_archive

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(make test installs it)")


@pytest.fixture(scope="module")
def site(sample_archive):
    served = Site(sample_archive[0])
    yield served.url
    served.stop()


@pytest.fixture(scope="module")
def long_site(tmp_path_factory):
    settings = build_long_archive(tmp_path_factory.mktemp("reader-browser"))
    catalog = Catalog(settings.catalog_path)
    served = Site(settings)
    yield served.url, catalog
    served.stop()
    catalog.close()


def args_of(url: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(url).query)


def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def test_next_and_previous_hit_cross_pages(long_site, page):
    site, catalog = long_site
    doc_id = catalog.resolve("long-report-en.txt")
    page.goto(f"{site}/d/{doc_id}?q=courier")
    assert page.inner_text("#hit-count") == "Hit 1 of 4, page 2"
    expect()(page.locator("mark.current-hit")).to_be_in_viewport()
    page.click("a.next-hit")
    page.wait_for_url(re.compile(rf"/d/{doc_id}/p/14\?.*hit=2#hit-2$"))
    assert page.inner_text("#hit-count") == "Hit 2 of 4, page 14"
    assert page.locator("mark.current-hit").get_attribute("id") == "hit-2"
    expect()(page.locator("#hit-2")).to_be_in_viewport()
    page.click("a.next-hit")
    page.click("a.next-hit")
    page.wait_for_url(re.compile(rf"/d/{doc_id}/p/23\?"))
    assert page.inner_text("#hit-count") == "Hit 4 of 4, page 23"
    assert page.locator("a.next-hit").count() == 0  # the last hit
    assert page.get_attribute("section.page.current", "id") == "p23"
    page.click("a.prev-hit")
    page.wait_for_url(re.compile(rf"/d/{doc_id}/p/14\?.*hit=3"))
    assert page.inner_text("#hit-count") == "Hit 3 of 4, page 14"
    expect()(page.locator("#hit-3")).to_be_in_viewport()
    assert page.errors == []


def test_reading_works_without_javascript(long_site, browser):
    site, catalog = long_site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    doc_id = catalog.resolve("long-report-en.txt")
    page.goto(f"{site}/d/{doc_id}/p/1?q=courier")
    page.click("a.next-hit")
    page.wait_for_url(re.compile(r"/p/2\?.*hit=1"))
    assert page.inner_text("#hit-count") == "Hit 1 of 4, page 2"
    page.fill("#jump-page", "20")
    page.click("form.jump button")
    page.wait_for_url(re.compile(rf"/d/{doc_id}/p/20\?q=courier"))
    assert page.get_attribute("section.page.current", "id") == "p20"
    page.fill("#find-q", "committee")
    page.click("form.find button")
    page.wait_for_url(re.compile(rf"/d/{doc_id}\?q=committee"))
    assert page.inner_text("#hit-count") == "Hit 1 of 25, page 1"
    page.click("a[data-shortcut='help']")
    page.wait_for_url(re.compile(r"/help#shortcuts$"))
    expect()(page.locator("#shortcuts")).to_be_in_viewport()
    context.close()


def test_back_to_results_keeps_the_query_and_filters(site, page):
    page.goto(f"{site}/search?q=التعليم&f=lang:ar")
    count = page.inner_text("p.count")
    titles = page.locator("li.hit a.title").all_inner_texts()
    assert len(titles) >= 2
    page.locator("li.hit a.title").nth(1).click()
    page.wait_for_url(re.compile(r"/d/[0-9a-f]{16}"))
    assert args_of(page.url)["rank"] == ["2"]
    assert page.input_value("#q") == "التعليم"  # the archive's search box keeps the search
    page.fill("#find-q", "الطلاب")  # finding in the document does not lose the way back
    page.press("#find-q", "Enter")
    page.wait_for_url(re.compile(r"q=%D8%A7%D9%84%D8%B7%D9%84%D8%A7%D8%A8"))
    page.click("a.back")
    page.wait_for_url(re.compile(r"/search\?"))
    assert args_of(page.url) == {"q": ["التعليم"], "sort": ["relevance"], "f": ["lang:ar"]}
    assert page.inner_text("p.count") == count
    assert page.inner_text("aside.facets a.chosen") == "Arabic (ar)"
    assert page.locator("li.hit a.title").all_inner_texts() == titles


def test_keyboard_shortcuts_move_between_hits_results_and_the_search(site, page):
    page.goto(f"{site}/search?q=the OR library")
    ids = [re.search(r"/d/([0-9a-f]{16})", h).group(1)
           for h in page.locator("li.hit a.title").evaluate_all("as => as.map(a => a.href)")]
    page.locator("li.hit a.title").first.click()
    page.wait_for_url(re.compile(rf"/d/{ids[0]}"))
    page.keyboard.press("]")
    page.wait_for_url(re.compile(rf"/d/{ids[1]}\?"))
    assert args_of(page.url)["rank"] == ["2"]
    page.keyboard.press("]")
    page.wait_for_url(re.compile(rf"/d/{ids[2]}\?"))
    page.keyboard.press("[")
    page.wait_for_url(re.compile(rf"/d/{ids[1]}\?"))
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "find-q"
    page.keyboard.type("jk[]")  # typed into the box, not taken as shortcuts
    assert page.input_value("#find-q").endswith("jk[]") and f"/d/{ids[1]}" in page.url
    page.keyboard.press("Escape")
    assert page.evaluate("document.activeElement.id") != "find-q"
    page.keyboard.press("u")
    page.wait_for_url(re.compile(r"/search\?q=the"))
    assert page.locator("li.hit").count() >= 3


def test_j_and_k_step_through_the_hits(long_site, page):
    site, catalog = long_site
    doc_id = catalog.resolve("long-report-en.txt")
    page.goto(f"{site}/d/{doc_id}?q=courier")
    page.keyboard.press("j")
    page.wait_for_url(re.compile(r"/p/14\?.*hit=2"))
    page.keyboard.press("n")
    page.wait_for_url(re.compile(r"/p/14\?.*hit=3"))
    assert page.inner_text("#hit-count") == "Hit 3 of 4, page 14"
    page.keyboard.press("k")
    page.wait_for_url(re.compile(r"/p/14\?.*hit=2"))
    page.keyboard.press("p")
    page.wait_for_url(re.compile(r"/p/2\?.*hit=1"))
    assert page.inner_text("#hit-count") == "Hit 1 of 4, page 2"


def test_question_mark_shows_the_shortcut_sheet(site, page, sample_catalog):
    doc_id = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    page.goto(f"{site}/d/{doc_id}")
    sheet = page.locator("#shortcut-sheet")
    expect()(sheet).to_be_hidden()
    page.keyboard.press("?")
    expect()(sheet).to_be_visible()
    assert "next hit in the document" in sheet.inner_text()
    page.keyboard.press("Escape")
    expect()(sheet).to_be_hidden()
    page.click("a[data-shortcut='help']")  # with the script the link opens the dialog too
    expect()(sheet).to_be_visible()
    page.click("#shortcut-sheet button")
    expect()(sheet).to_be_hidden()
    page.goto(f"{site}/search?q=library")  # pages without the dialog open the help page
    page.keyboard.press("/")  # and / goes to the archive's search box
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.press("Escape")
    page.keyboard.press("?")
    page.wait_for_url(re.compile(r"/help#shortcuts$"))
    expect()(page.locator("#shortcuts kbd").first).to_be_in_viewport()


def test_reader_fits_a_phone_with_its_thumbnails(site, browser, sample_catalog):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    doc_id = sample_catalog.resolve("reports/report-2009-security-ar.pdf")
    page.goto(f"{site}/d/{doc_id}/p/3?q=USB")
    assert page.inner_text("#hit-count") == "Hit 1 of 1, page 3"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    thumbs = page.locator("nav.thumbs img")
    assert thumbs.count() == 5
    first = thumbs.first
    first.scroll_into_view_if_needed()
    expect()(first).to_have_js_property("complete", True)
    assert first.evaluate("img => img.naturalWidth") > 100  # drawn on the server
    assert page.locator("section.page.current pre.text").get_attribute("dir") == "rtl"
    context.close()
