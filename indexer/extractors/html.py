"""HTML and XHTML pages: visible text, title, author and dates from meta tags."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from archive.encodings import decode
from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors.text import paginate

KIND = "html"
MIME_TYPES = ("text/html", "application/xhtml+xml", "image/svg+xml")

_SKIP = {"script", "style", "noscript", "template", "head"}
_BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section",
          "article", "blockquote", "pre", "table", "ul", "ol", "header", "footer", "td", "th"}
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.I)


class _TextParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self.meta: dict[str, str] = {}
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "body":
            self._skip = 0  # a <head> left open ends where the body starts
        if tag in _SKIP:
            self._skip += 1
        if tag == "title":
            self._in_title = True
        if tag == "meta":
            a = {k.lower(): (v or "") for k, v in attrs}
            key = (a.get("name") or a.get("property") or "").lower()
            if key and a.get("content"):
                self.meta.setdefault(key, a["content"].strip())
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in _SKIP and self._skip:
            self._skip -= 1
        if tag == "title":
            self._in_title = False
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self.title.append(data)
        elif not self._skip:
            self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str | None, dict[str, str]]:
    """Visible text of an HTML document, its <title> and its meta tags."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v\xa0]+", " ", text)
    text = re.sub(r"\n\s*\n+", "\n\n", text).strip()
    title = " ".join("".join(parser.title).split()) or None
    return text, title, parser.meta


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Extract the visible text of an HTML file, trusting its charset label only as a hint."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path.name}: cannot read the file: {exc}") from exc
    label = _CHARSET.search(data[:4096])
    markup, encoding = decode(data, label.group(1).decode("ascii") if label else None)
    text, title, meta = html_to_text(markup)
    date = meta.get("date") or meta.get("article:published_time") or meta.get("dc.date")
    return Extracted(
        pages=paginate(text), title=title or meta.get("og:title"),
        author=meta.get("author") or meta.get("dc.creator"), created=date,
        metadata={"encoding": encoding, **{k: v for k, v in meta.items()
                                           if k in ("description", "keywords", "generator")}})
