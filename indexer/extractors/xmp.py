"""XMP metadata (Adobe's RDF packet in images, PDFs and more): what people wrote in it."""

from __future__ import annotations

from pathlib import Path
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

SCAN_BYTES = 4 * 2**20  # the packet sits near the start of the files that carry one
MAX_PACKET = 2**20
RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
DC = "{http://purl.org/dc/elements/1.1/}"
PHOTOSHOP = "{http://ns.adobe.com/photoshop/1.0/}"
IPTC = "{http://iptc.org/std/Iptc4xmpCore/1.0/xmlns/}"
# The properties people write (titles, captions, keywords, credits, places) and the tool
# that made the file, as Recoll's EXIF dump makes it searchable; labels as they are shown.
FIELDS = {
    f"{DC}title": "title", f"{DC}description": "description", f"{DC}subject": "keywords",
    f"{DC}creator": "creator", f"{DC}rights": "rights",
    "{http://ns.adobe.com/xap/1.0/}CreatorTool": "software",
    f"{PHOTOSHOP}Headline": "headline", f"{PHOTOSHOP}Credit": "credit",
    f"{PHOTOSHOP}City": "city", f"{PHOTOSHOP}State": "state",
    f"{PHOTOSHOP}Country": "country", f"{IPTC}Location": "location",
    "{http://ns.adobe.com/exif/1.0/}UserComment": "comment",
}


def packet(path: Path) -> bytes | None:
    """The file's XMP packet (<x:xmpmeta>...</x:xmpmeta>), or None."""
    with path.open("rb") as fh:
        data = fh.read(SCAN_BYTES)
    start = data.find(b"<x:xmpmeta")
    end = data.find(b"</x:xmpmeta>", start)
    if start < 0 or end < 0 or end - start > MAX_PACKET:
        return None
    return data[start:end + len(b"</x:xmpmeta>")]


def xmp_lines(path: Path) -> list[str]:
    """"label: value" lines of the file's XMP properties in FIELDS; none when it has no
    packet or a damaged one (entity tricks are refused by defusedxml)."""
    raw = packet(path)
    if raw is None:
        return []
    try:
        root = fromstring(raw)
    except (ParseError, DefusedXmlException, ValueError):
        return []
    lines: list[str] = []
    for element in root.iter():
        for name, value in element.attrib.items():  # simple properties as attributes
            _add(lines, name, value)
        if element.tag in FIELDS:
            items = [li.text for li in element.iter(f"{RDF}li")] or [element.text]
            _add(lines, element.tag, ", ".join(t.strip() for t in items if t and t.strip()))
    return lines


def _add(lines: list[str], name: str, value: str) -> None:
    label = FIELDS.get(name)
    value = " ".join((value or "").split())
    line = f"{label}: {value}"
    if label and any(ch.isalpha() for ch in value) and line not in lines:
        lines.append(line)
