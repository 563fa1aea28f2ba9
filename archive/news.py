"""News coverage: reading articles (HTML, text, feeds, URLs) and reading them back from the
catalog (indexer/news.py stores them)."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from archive.catalog import decompress_text
from archive.encodings import decode
from archive.errors import ArchiveError, BadQueryError, DocumentNotFoundError

MAX_BYTES = 5 * 1024 * 1024  # one article or feed fetched from the web
TIMEOUT = 15.0  # seconds for one fetch
MAX_REDIRECTS = 5
MAX_FEED_ITEMS = 50
NEWS_ID_LENGTH = 12
# What a folder of news may hold; other files there (notes, README) are not articles.
ARTICLE_SUFFIXES = (".html", ".htm", ".txt", ".text", ".story", ".xml", ".rss", ".atom", "")


class FetchError(ArchiveError):
    """Raised when a news URL cannot or may not be fetched (private address, size, time)."""

    status = 400


@dataclass(frozen=True)
class NewsArticle:
    """One news article: its text and what it says about itself."""

    news_id: str
    title: str
    text: str
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None
    source: str | None = None  # file name or URL it came from
    language: str | None = None


def web_url(url: str | None) -> str | None:
    """`url` when it is an http(s) address with a host, else None: links taken from news
    (an article's url, a feed's links) become hrefs, and javascript: or data: must not."""
    if not url:
        return None
    url = url.strip()
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in url):  # browsers drop them: "java\tscript:"
        return None
    parts = urllib.parse.urlsplit(url)
    return url if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def is_web_url(url: str | None) -> bool:
    """True when `url` is an http(s) address with a host (see web_url)."""
    return web_url(url) is not None


def _news_id(text: str) -> str:
    return "n" + hashlib.sha256(text.strip().encode("utf-8")).hexdigest()[:NEWS_ID_LENGTH - 1]


def _date(value) -> str | None:
    if not value:
        return None
    match = re.match(r"(\d{4}-\d{2}-\d{2})", str(value))
    return match.group(1) if match else None


_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
           "september", "october", "november", "december")
_SPELLED = re.compile(r"\b(\d{1,2}) (" + "|".join(_MONTHS) + r") (\d{4})\b", re.I)


def _spelled_date(line: str) -> str | None:
    """"24 June 2011" in a byline or timestamp line, as 2011-06-24."""
    match = _SPELLED.search(line)
    if not match:
        return None
    day, month, year = match.groups()
    return f"{year}-{_MONTHS.index(month.lower()) + 1:02d}-{int(day):02d}"


def parse_html(html: str, source: str | None = None, url: str | None = None) -> NewsArticle:
    """The main text, headline, outlet, author and date of a saved article page (trafilatura).

    Raises BadQueryError when the page holds no article text.
    """
    import trafilatura

    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True, include_comments=False,
                                      include_tables=False)
    data = doc.as_dict() if hasattr(doc, "as_dict") else (doc or {})
    text = (data.get("text") or "").strip()
    if not text:
        raise BadQueryError(f"{source or url}: no article text found in the page.")
    title = (data.get("title") or text.split("\n", 1)[0])[:300]
    if text.startswith(title):  # trafilatura repeats the headline as the first line
        text = text[len(title):].lstrip()
    return NewsArticle(news_id=_news_id(title + "\n" + text), title=title, text=text,
                       outlet=data.get("sitename") or data.get("hostname"),
                       author=data.get("author"), published=_date(data.get("date")),
                       url=web_url(url or data.get("url")), source=source,
                       language=data.get("language"))


def parse_text(text: str, source: str | None = None) -> NewsArticle:
    """A plain-text article. The headline is the first line of five words or more (pages
    saved as text start with "Accessibility links", bylines, timestamps); a line shaped
    like "Outlet, Author, 2017-11-10" after it gives the byline; "By" lines give the author;
    "@highlight" markers (CNN/Daily Mail .story files) are dropped."""
    lines = [line.strip() for line in text.strip().replace("@highlight", "").splitlines()]
    author = None
    for i, line in enumerate(lines):
        if line.lower().rstrip() in ("by", "by:") and i + 1 < len(lines):
            author = lines[i + 1] or (lines[i + 2] if i + 2 < len(lines) else None)
        elif line.lower().startswith("by ") and len(line) < 60 and not author:
            author = line[3:].strip()
    start = next((i for i, line in enumerate(lines)
                  if sum(1 for w in line.split() if any(c.isalpha() for c in w)) >= 5
                  and not line.lower().startswith("by ")), None)
    if start is None:
        raise BadQueryError(f"{source}: no headline or text found in the article.")
    title, rest = lines[start], lines[start + 1:]
    outlet = None
    published = next((d for line in lines[:start] if (d := _spelled_date(line))), None)
    if rest and (m := re.match(r"^(.+?),\s*(.+?),\s*(\d{4}-\d{2}-\d{2})$", rest[0])):
        outlet, author, published = m.groups()
        rest = rest[1:]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(rest)).strip()
    return NewsArticle(news_id=_news_id(title + "\n" + body), title=title, text=body,
                       outlet=outlet, author=author, published=published, source=source)


def parse_article(data: bytes, source: str, url: str | None = None) -> NewsArticle:
    """An article from bytes: HTML when it looks like HTML, else plain text."""
    text = decode(data)[0]
    if re.search(r"<(html|body|article|p|div)\b", text[:5000], re.I):
        return parse_html(text, source=source, url=url)
    return parse_text(text, source=source)


def is_feed(data: bytes) -> bool:
    """True when bytes look like an RSS or Atom feed."""
    head = data[:2000].lstrip().lower()
    return head.startswith(b"<?xml") and (b"<rss" in head or b"<feed" in head) or \
        head.startswith((b"<rss", b"<feed"))


def feed_items(data: bytes) -> list[dict]:
    """The items of an RSS/Atom feed: link, title, summary, date (feedparser)."""
    import feedparser

    parsed = feedparser.parse(data)
    items = []
    for entry in parsed.entries[:MAX_FEED_ITEMS]:
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        items.append({"link": web_url(entry.get("link")), "title": entry.get("title", ""),
                      "summary": re.sub(r"<[^>]+>", " ", entry.get("summary", "")),
                      "published": time.strftime("%Y-%m-%d", stamp) if stamp else
                      _date(entry.get("published") or entry.get("updated")),
                      "outlet": parsed.feed.get("title")})
    return items


# --- fetching --------------------------------------------------------------------------------

def check_address(url: str, allow_private: bool = False) -> None:
    """Refuse URLs that are not http(s) or whose host resolves to a private, loopback,
    link-local or reserved address (unless `allow_private`). Raises FetchError."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"{url}: only http:// and https:// URLs can be fetched.")
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise FetchError(f"{url}: the host name does not resolve ({exc}).") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not allow_private and (address.is_private or address.is_loopback or
                                  address.is_link_local or address.is_reserved or
                                  address.is_multicast or address.is_unspecified):
            raise FetchError(f"{url}: {parts.hostname} is a private or local address "
                             f"({address}); refused. Use --allow-private for a local server.")


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool):
        self.allow_private = allow_private
        self.count = 0

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        self.count += 1
        if self.count > MAX_REDIRECTS:
            raise FetchError(f"{req.full_url}: more than {MAX_REDIRECTS} redirects.")
        check_address(newurl, self.allow_private)  # every hop, not only the first
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def fetch(url: str, allow_private: bool = False, max_bytes: int = MAX_BYTES,
          timeout: float = TIMEOUT) -> bytes:
    """Download a URL within size and time limits, checking the address of every redirect.

    Raises FetchError with the reason.
    """
    check_address(url, allow_private)
    opener = urllib.request.build_opener(_CheckedRedirects(allow_private))
    request = urllib.request.Request(url, headers={"User-Agent": "Docket news reader"})
    try:
        with opener.open(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise FetchError(f"{url}: {length} bytes is over the limit of {max_bytes}.")
            data = response.read(max_bytes + 1)
    except FetchError:
        raise
    except (OSError, ValueError) as exc:
        raise FetchError(f"{url}: could not fetch it ({exc}).") from exc
    if len(data) > max_bytes:
        raise FetchError(f"{url}: the page is larger than {max_bytes} bytes; refused.")
    return data


# --- reading from the catalog ------------------------------------------------------------

def _article(row) -> NewsArticle:
    return NewsArticle(news_id=row["news_id"], title=row["title"],
                       text=decompress_text(row["text"]), outlet=row["outlet"],
                       author=row["author"], published=row["published"],
                       url=web_url(row["url"]),
                       source=row["source"], language=row["language"])


def get_article(conn, news_id: str) -> NewsArticle:
    """An article by id. Raises DocumentNotFoundError."""
    row = conn.execute("SELECT * FROM news WHERE news_id = ?", (news_id,)).fetchone()
    if row is None:
        raise DocumentNotFoundError(f"No news article with id {news_id!r}.")
    return _article(row)


def list_articles(conn) -> list[NewsArticle]:
    """Every article, newest first."""
    return [_article(r) for r in conn.execute(
        "SELECT * FROM news ORDER BY COALESCE(published, added_at) DESC, title")]


def find_articles(conn, news_index, query: str) -> list[NewsArticle]:
    """Every article (newest first), or those the news index finds for `query`, best first.

    Raises BadQueryError for a malformed query."""
    from archive.model import SearchRequest

    chosen = list_articles(conn)
    if not query:
        return chosen
    found = news_index.search(SearchRequest(query, page_size=200))
    by_id = {a.news_id: a for a in chosen}
    return [by_id[h.doc_id] for h in found.hits if h.doc_id in by_id]


def article_json(article: NewsArticle) -> dict:
    """The JSON form of an article, the same for the site and the command line."""
    return {"id": article.news_id, "title": article.title, "outlet": article.outlet,
            "author": article.author, "published": article.published, "url": article.url,
            "source": article.source, "language": article.language}


def load_path(path: Path) -> list[NewsArticle]:
    """Articles from a file or every file of a folder (HTML, text, or a saved feed)."""
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and p.suffix.lower() in ARTICLE_SUFFIXES) if path.is_dir() else [path]
    out = []
    for file in files:
        if file.name.startswith("."):
            continue
        data = file.read_bytes()
        if is_feed(data):
            for item in feed_items(data):
                text = f"{item['title']}\n\n{item['summary']}".strip()
                out.append(NewsArticle(news_id=_news_id(text), title=item["title"],
                                       text=item["summary"].strip(), outlet=item["outlet"],
                                       published=item["published"], url=item["link"],
                                       source=file.name))
        else:
            out.append(parse_article(data, source=file.name))
    return out


def load_url(url: str, allow_private: bool = False) -> list[NewsArticle]:
    """An article from a URL, or every item of a feed URL (each item's page fetched)."""
    data = fetch(url, allow_private)
    if not is_feed(data):
        return [parse_article(data, source=url, url=url)]
    out = []
    for item in feed_items(data):
        if not item["link"]:
            continue
        try:
            page = fetch(item["link"], allow_private)
            article = parse_article(page, source=item["link"], url=item["link"])
        except (FetchError, BadQueryError):
            text = f"{item['title']}\n\n{item['summary']}".strip()
            article = NewsArticle(news_id=_news_id(text), title=item["title"],
                                  text=item["summary"].strip(), url=item["link"], source=url)
        out.append(NewsArticle(**{**article.__dict__, "outlet": article.outlet or item["outlet"],
                                  "published": article.published or item["published"]}))
    return out
