"""Web archives (WARC, as crawlers and the Wayback Machine write them): each archived
response becomes a child document named by its URL (warcio)."""

from __future__ import annotations

import re
from pathlib import Path

from indexer.errors import ExtractionError, TooLargeError
from indexer.extracted import Child, Extracted, ExtractOptions

KIND = "archive"
MIME_TYPES = ("application/warc", "application/x-warc")
_UNSAFE = re.compile(r"[^\w.\-]+")


def _name(url: str, n: int) -> str:
    """A file name for a response: its URL's host and path, made safe, numbered."""
    readable = _UNSAFE.sub("_", url.split("://", 1)[-1]).strip("_")[:150] or "response"
    return f"{n:04d}-{readable}"


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """The archived responses as children; page 1 lists their URLs.

    Raises ExtractionError when the file is not a readable WARC, TooLargeError past the
    container limits."""
    # Imported here: warcio costs each worker 16 MB (measured), and few releases hold WARCs.
    from warcio.archiveiterator import ArchiveIterator
    from warcio.exceptions import ArchiveLoadFailed

    children, urls, total = [], [], 0
    try:
        with path.open("rb") as fh:
            for record in ArchiveIterator(fh):
                if record.rec_type not in ("response", "resource"):
                    continue
                if len(children) >= options.max_members:
                    break
                url = record.rec_headers.get_header("WARC-Target-URI") or ""
                data = record.content_stream().read(options.max_container_bytes - total + 1)
                total += len(data)
                if total > options.max_container_bytes:
                    raise TooLargeError(f"{path.name}: responses past the container limit "
                                        f"of {options.max_container_bytes // 2**20} MiB.")
                children.append(Child(_name(url, len(children) + 1), data))
                urls.append(url)
    except ArchiveLoadFailed as exc:
        raise ExtractionError(f"{path.name}: the web archive is damaged ({exc}).") from exc
    return Extracted(pages=["\n".join(urls)], children=children, expects_text=False,
                     metadata={"responses": len(children)})
