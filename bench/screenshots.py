"""Screenshots of the reader for the README: desktop, phone, an Arabic document, the sheet.

Indexes the sample collection into a temporary folder (or uses --var), serves it on a free
loopback port and drives Debian's Chromium through Playwright, as the browser tests do:

    .venv/bin/python bench/screenshots.py                   # writes docs/screenshots/reader-*.png
    .venv/bin/python bench/screenshots.py --var var --out /tmp/shots

Only talks to 127.0.0.1; nothing is downloaded.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from reliability import free_port  # noqa: E402

from app import create_app  # noqa: E402
from archive.catalog import Catalog  # noqa: E402
from archive.config import Settings  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def sample_archive(base: Path) -> Settings:
    from indexer.run import index_collection

    folder = base / "release"
    shutil.copytree(ROOT / "sample_docs" / "release", folder)
    settings = Settings(var=base / "var", jobs=2, embeddings=False)
    index_collection(settings, folder)
    return settings


def settle(page) -> None:
    """Wait until the thumbnails have loaded (they are drawn on the server)."""
    from playwright.sync_api import expect

    for image in page.locator("nav.thumbs img").all():
        expect(image).to_have_js_property("complete", True)


def shoot(site: str, catalog: Catalog, out: Path, chromium: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    english = catalog.resolve("mail/message-023-en-media-report.eml!/report-2010-media-en.pdf")
    arabic = catalog.resolve("reports/report-2009-security-ar.pdf")
    written = []

    def save(page, name: str) -> None:
        written.append(out / name)
        page.screenshot(path=str(written[-1]))

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        desktop = browser.new_page(viewport=DESKTOP)
        desktop.goto(f"{site}/search?q=committee&f=lang:en")
        desktop.locator(f"li.hit a.title[href*='{english}']").first.click()
        desktop.wait_for_url(re.compile(english))
        desktop.keyboard.press("j")  # to the next hit, on page 2
        desktop.wait_for_url(re.compile("hit=2"))
        settle(desktop)
        desktop.evaluate("window.scrollTo(0, 0)")
        save(desktop, "reader-desktop.png")
        desktop.keyboard.press("?")
        save(desktop, "reader-shortcuts.png")
        desktop.goto(f"{site}/search?q=اللجنة&f=lang:ar")
        desktop.locator(f"li.hit a.title[href*='{arabic}']").first.click()
        desktop.wait_for_url(re.compile(arabic))
        desktop.keyboard.press("j")  # the second hit, on page 5: right-to-left text
        desktop.wait_for_url(re.compile("hit=2"))
        settle(desktop)
        save(desktop, "reader-arabic.png")
        phone = browser.new_page(viewport=PHONE, is_mobile=True)
        phone.goto(f"{site}/d/{arabic}?q=اللجنة")
        settle(phone)
        phone.evaluate("window.scrollTo(0, 0)")
        save(phone, "reader-phone.png")
        browser.close()
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, help="an indexed archive of sample_docs/release "
                        "(default: index it into a temporary folder)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian's chromium is not installed: apt-get install chromium", file=sys.stderr)
        return 1
    import waitress

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(var=args.var) if args.var else sample_archive(Path(tmp))
        port = free_port()
        server = waitress.create_server(create_app(settings), host="127.0.0.1", port=port)
        threading.Thread(target=server.run, daemon=True).start()
        catalog = Catalog(settings.catalog_path)
        args.out.mkdir(parents=True, exist_ok=True)
        try:
            for path in shoot(f"http://127.0.0.1:{port}", catalog, args.out, chromium):
                print(path)
        finally:
            catalog.close()
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
