"""EBCDIC text (IBM mainframe records): Latin (code page 500) and Arabic (IBM420) pages."""

from __future__ import annotations

import codecs
import re
import unicodedata
from pathlib import Path

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions
from indexer.extractors.text import paginate

KIND = "text"
MIME_TYPE = "text/x-ebcdic"
MIME_TYPES = (MIME_TYPE,)

SAMPLE = 65_536
# IBM420 (EBCDIC Arabic), byte -> character, as glibc's iconv maps it; Python has no codec.
# Letters come in presentation forms; NFKC folds them to ordinary Arabic letters.
IBM420 = (
    bytes(range(0x40)).decode("cp500")  # controls: the same in every EBCDIC page
    + " \u00a0ّ\ufe7dـ\ufffdءآ\ufe82أ¢.<(+|"  # 0x40
    "&\ufe84ؤ\ufffd\ufffdئا\ufe8eب\ufe91!$*);¬"  # 0x50
    "-/ةت\ufe97ث\ufe9bج\ufe9fح¦,%_>?"  # 0x60
    "\ufea3خ\ufea7دذرزس\ufeb3،:#@'=\u0022"  # 0x70
    "شabcdefghi\ufeb7ص\ufebbض\ufebfط"  # 0x80
    "ظjklmnopqrع\ufeca\ufecb\ufeccغ\ufece"  # 0x90
    "\ufecf÷stuvwxyz\ufed0ف\ufed3ق\ufed7ك"  # 0xA0
    "\ufedbل\ufef5\ufef6\ufef7\ufef8\ufffd\ufffd\ufefb\ufefc\ufedfم\ufee3ن\ufee7ه"  # 0xB0
    "؛ABCDEFGHI\u00ad\ufeeb\ufffd\ufeec\ufffdو"  # 0xC0
    "؟JKLMNOPQRى\ufef0ي\ufef2\ufef3٠"  # 0xD0
    "×\ufffdSTUVWXYZ١٢\ufffd٣٤٥"  # 0xE0
    "0123456789\ufffd٦٧٨٩\u009f"  # 0xF0
)
# Bytes that are letters or digits in every EBCDIC Latin code page.
_ALNUM = frozenset([*range(0x81, 0x8A), *range(0x91, 0x9A), *range(0xA2, 0xAA),
                    *range(0xC1, 0xCA), *range(0xD1, 0xDA), *range(0xE2, 0xEA),
                    *range(0xF0, 0xFA)])
_ARABIC_420 = frozenset(i for i, ch in enumerate(IBM420) if "\u0600" <= ch <= "\u06ff"
                        or "\ufe70" <= ch <= "\ufeff" or "\ufb50" <= ch <= "\ufdff")
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\ufffd]+")


def is_ebcdic(data: bytes) -> bool:
    """True when bytes are EBCDIC text: EBCDIC spaces (0x40) and letters, no ASCII spaces.

    ASCII and its supersets (UTF-8, Windows code pages) put 0x20 between words, which EBCDIC
    never uses for text; EBCDIC puts 0x40 there, which ASCII text holds rarely ('@').
    """
    sample = data[:SAMPLE]
    if len(sample) < 64:
        return False
    n = len(sample)
    spaces, ascii_spaces = sample.count(0x40), sample.count(0x20)
    alnum = sum(1 for b in sample if b in _ALNUM)
    arabic = sum(1 for b in sample if b in _ARABIC_420 and b not in _ALNUM)
    return (ascii_spaces < n * 0.005 and spaces > n * 0.05
            and (alnum + arabic + spaces) > n * 0.6)


def is_arabic(data: bytes) -> bool:
    """True when EBCDIC bytes hold more IBM420 Arabic letters than a tenth of all letters."""
    sample = data[:SAMPLE]
    arabic = sum(1 for b in sample if b in _ARABIC_420 and b not in _ALNUM)
    letters = arabic + sum(1 for b in sample if b in _ALNUM)
    return letters > 0 and arabic > letters * 0.1


def decode_ebcdic(data: bytes) -> tuple[str, str]:
    """Text and code page (ibm420 or cp500) of EBCDIC bytes; line ends become newlines."""
    if is_arabic(data):
        text, encoding = codecs.charmap_decode(data, "replace", IBM420)[0], "ibm420"
    else:
        text, encoding = data.decode("cp500", errors="replace"), "cp500"
    text = text.replace("\r\n", "\n").replace("\x85", "\n").replace("\r", "\n")
    text = _CONTROLS.sub(" ", unicodedata.normalize("NFKC", text))
    return text, encoding


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Read an EBCDIC text file (see is_ebcdic); pages split like plain text."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExtractionError(f"{path.name}: cannot read the file: {exc}") from exc
    text, encoding = decode_ebcdic(data)
    return Extracted(pages=paginate(text), metadata={"encoding": encoding})
