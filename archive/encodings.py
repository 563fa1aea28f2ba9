"""Decoding bytes of unknown or mislabelled encoding; shared by the extractors and news."""

from __future__ import annotations

import codecs

import charset_normalizer

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))
# Legacy code pages a release is likely to hold, Arabic-script ones first. Leaving out near
# twins such as cp1250 keeps French and German text from being read as Central European.
LEGACY_ENCODINGS = ["cp1256", "iso8859_6", "cp720", "cp1252", "iso8859_15", "cp1251", "koi8_r",
                    "cp866", "iso8859_7", "cp1253", "cp1255", "iso8859_8", "cp1254", "gb18030",
                    "big5", "shift_jis", "euc_jp", "euc_kr", "iso2022_jp"]


def utf16_without_bom(data: bytes) -> str | None:
    """"utf-16-le"/"utf-16-be" when bytes look like UTF-16 text without a BOM, else None."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even_nuls = sample[0::2].count(0) / (len(sample) / 2)
    odd_nuls = sample[1::2].count(0) / (len(sample) / 2)
    if odd_nuls > 0.3 and even_nuls < 0.05:
        return "utf-16-le"
    if even_nuls > 0.3 and odd_nuls < 0.05:
        return "utf-16-be"
    # Arabic in UTF-16 has 0x06 as every high byte instead of NULs.
    if sample[1::2].count(6) / (len(sample) / 2) > 0.3:
        return "utf-16-le"
    if sample[0::2].count(6) / (len(sample) / 2) > 0.3:
        return "utf-16-be"
    return None


def decode(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode bytes whose encoding is unknown or possibly mislabelled; returns (text, encoding).

    Order: byte-order mark, UTF-16 without BOM, strict UTF-8, charset detection, the declared
    label, Windows-1252 with replacement characters.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    # Before UTF-8: UTF-16 Arabic without a BOM is all bytes below 0x80, valid "UTF-8".
    encoding = utf16_without_bom(data)
    if encoding:
        return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000], cp_isolation=LEGACY_ENCODINGS).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding, errors="replace"), best.encoding
        except LookupError:
            pass
    if declared:
        try:
            return data.decode(declared, errors="replace"), declared
        except LookupError:
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"
