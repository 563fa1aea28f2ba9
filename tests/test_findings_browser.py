"""Findings and version chains in a real browser: headless Chromium (Debian's) driven by
Playwright, over a small archive of our own served by waitress."""

from __future__ import annotations

import re

import pytest

from archive import editors
from archive.catalog import Catalog, connect
from archive.config import Settings
from indexer.run import index_collection
from tests.conftest import CHROMIUM, Site, shoot

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed "
                                "(make test installs it)")
PASSWORD = "a long password"


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A few letters, one of them changed in place twice (three versions), an editor."""
    base = tmp_path_factory.mktemp("findings-browser")
    folder = base / "release"
    folder.mkdir()
    (folder / "courier.txt").write_text("The courier carried the letter to Peshawar.\n")
    (folder / "library.txt").write_text("A report on the library and its reading room.\n")
    settings = Settings(var=base / "var", jobs=1, ocr=False, embeddings=False)
    drafts = ["First draft of the plan.\n", "Second draft of the plan, longer.\n",
              "Third and final draft of the plan.\n"]
    ids = []
    for draft in drafts:
        (folder / "plan.txt").write_text(draft)
        index_collection(settings, folder)
        catalog = Catalog(settings.catalog_path)
        ids.append(catalog.resolve("plan.txt"))
        catalog.close()
    conn = connect(settings.catalog_path)
    editors.set_password(conn, "amira", PASSWORD)
    conn.close()
    catalog = Catalog(settings.catalog_path)
    courier = catalog.resolve("courier.txt")
    catalog.close()
    return settings, courier, ids


@pytest.fixture(scope="module")
def site(archive):
    served = Site(archive[0])
    yield served.url
    served.stop()


def sign_in(page, site) -> None:
    page.goto(site + "/login")
    page.fill("#name", "amira")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(re.compile(r"/news$"))


def test_an_editor_tags_and_annotates_and_readers_see_none_of_it(site, archive, page,
                                                                 browser):
    _, courier, _ = archive
    sign_in(page, site)
    page.goto(f"{site}/d/{courier}")
    page.fill("#new-tags", "Courier Trail")
    page.click("form.add-tags button[type=submit]")
    page.wait_for_selector("ul.tags a.tag:text-is('courier-trail')")
    page.fill("#note-text", "Peshawar: check the route <b>not bold</b>")
    page.click("form.add-note button[type=submit]")
    page.wait_for_selector(".note-text:text('Peshawar: check the route <b>not bold</b>')")
    page.click("form.star button[type=submit]")
    page.wait_for_selector("form.star button:text('Starred')")
    shoot(page, "findings")

    page.click("ul.tags a.tag:text-is('courier-trail')")  # the tag is a search
    page.wait_for_url(re.compile(r"/search\?q=tag"))
    assert page.locator("li.hit").count() == 1
    assert "Tag (editors)" in page.inner_text("aside.facets")

    reader = browser.new_context().new_page()  # another browser: not signed in
    reader.goto(f"{site}/d/{courier}")
    body = reader.inner_text("body")
    assert "courier-trail" not in body and "Peshawar: check" not in body
    assert reader.locator("#findings").count() == 0
    reader.goto(f"{site}/search?q=tag:courier-trail")
    assert "shown only to them" in reader.inner_text("main")
    reader.context.close()


def test_a_change_with_a_forged_csrf_token_is_refused(site, archive, page):
    _, courier, _ = archive
    sign_in(page, site)
    page.goto(f"{site}/d/{courier}")
    page.fill("#new-tags", "forged-tag")
    # What a page on another site could send: the form without this session's token.
    page.eval_on_selector("form.add-tags input[name=csrf_token]", "el => el.value = 'forged'")
    page.click("form.add-tags button[type=submit]")
    page.wait_for_selector("h1:text('Something went wrong')")
    assert "missing security token" in page.inner_text("main")
    page.goto(f"{site}/d/{courier}")
    assert page.locator("a.tag:text-is('forged-tag')").count() == 0


def test_a_saved_search_is_listed_on_the_desk_with_its_feed(site, page):
    sign_in(page, site)
    page.goto(site + "/search?q=library")
    page.fill("#search-name", "Library reports")
    page.click("form.save-search button[type=submit]")
    page.wait_for_url(re.compile(r"/desk$"))
    link = page.locator("a.saved-search:text-is('Library reports')")
    assert "/search.atom?q=library" in page.locator("a.feed").first.get_attribute("href")
    link.click()
    page.wait_for_url(re.compile(r"/search\?q=library"))
    assert page.locator("li.hit").count() == 1


def test_an_old_permalink_leads_to_the_current_version(site, archive, page):
    _, _, (v1, v2, v3) = archive
    response = page.goto(f"{site}/d/{v1}")
    assert response.status == 410
    assert "No longer in the archive" in page.inner_text("h1")
    shoot(page, "version-gone")
    page.click(f".current-version a:text-is('{v3}')")
    page.wait_for_url(re.compile(f"/d/{v3}$"))
    earlier = page.locator("ul.earlier-versions a")
    assert earlier.all_inner_texts() == [v2, v1]
    earlier.first.click()
    page.wait_for_url(re.compile(f"/d/{v2}$"))
    assert f"current version is {v3}" in page.inner_text("main")
