"""Decrypting password-protected OpenDocument files (ODF 1.2, section 3.4: each encrypted
part is deflated, then encrypted with a key derived from the password; the manifest says how).
LibreOffice writes AES-256-CBC with PBKDF2 and a SHA-256 start key; OpenOffice.org wrote
Blowfish CFB with SHA-1. The newer Argon2/AES-GCM form of LibreOffice 24 is not read here."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
import zlib
from xml.etree.ElementTree import Element, tostring

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml.ElementTree import fromstring

M = "{urn:oasis:names:tc:opendocument:xmlns:manifest:1.0}"
AES256 = "http://www.w3.org/2001/04/xmlenc#aes256-cbc"
SHA256 = ("http://www.w3.org/2000/09/xmldsig#sha256", "SHA256")
MAX_PART = 200 * 2**20  # bytes of one decrypted part
MAX_ITERATIONS = 1_000_000  # PBKDF2 rounds; more is a file made to stall the worker


class WrongPassword(Exception):
    """The password does not open the document (its checksum does not match)."""


def _attr(element: Element, name: str) -> str:
    return element.get(f"{M}{name}") or ""


def _key(password: str, data: Element) -> tuple[bytes, Element]:
    start, derivation = data.find(f"{M}start-key-generation"), data.find(f"{M}key-derivation")
    if derivation is None or _attr(derivation, "key-derivation-name") != "PBKDF2":
        raise WrongPassword("a key derivation other than PBKDF2")
    name = _attr(start, "start-key-generation-name") if start is not None else "SHA1"
    digest = hashlib.sha256 if name in SHA256 else hashlib.sha1
    iterations = int(_attr(derivation, "iteration-count") or 1024)
    if not 1 <= iterations <= MAX_ITERATIONS:
        raise WrongPassword(f"{iterations} key derivation rounds")
    start_key = digest(password.encode("utf-8")).digest()
    key = hashlib.pbkdf2_hmac("sha1", start_key, base64.b64decode(_attr(derivation, "salt")),
                              iterations, int(_attr(derivation, "key-size") or 16))
    return key, data.find(f"{M}algorithm")


def _decrypt_part(raw: bytes, password: str, data: Element) -> bytes:
    key, algorithm = _key(password, data)
    iv = base64.b64decode(_attr(algorithm, "initialisation-vector"))
    if _attr(algorithm, "algorithm-name") == AES256:
        cipher = Cipher(algorithms.AES(key), modes.CBC(iv))
    else:  # "Blowfish CFB", OpenOffice.org's
        from cryptography.hazmat.decrepit.ciphers.algorithms import Blowfish

        cipher = Cipher(Blowfish(key), modes.CFB(iv))
    decryptor = cipher.decryptor()
    plain = decryptor.update(raw) + decryptor.finalize()
    if _attr(algorithm, "algorithm-name") == AES256 and plain and 1 <= plain[-1] <= 16:
        plain = plain[:-plain[-1]]  # W3C padding: the last byte says how many to drop
    digest = hashlib.sha256 if "sha256" in _attr(data, "checksum-type").lower() else hashlib.sha1
    if digest(plain[:1024]).digest() != base64.b64decode(_attr(data, "checksum")):
        raise WrongPassword("checksum mismatch")  # checked before anything is inflated
    inflater = zlib.decompressobj(-15)
    out = inflater.decompress(plain, MAX_PART + 1)
    if len(out) > MAX_PART:
        raise WrongPassword("a part inflates past the limit")
    return out


def decrypt_odf(package: bytes, passwords: tuple[str, ...]) -> bytes | None:
    """The document as an unencrypted ODF package, opened with the first of `passwords`
    whose key verifies; None when none does (or the package is not encrypted ODF)."""
    try:
        source = zipfile.ZipFile(io.BytesIO(package))
        manifest = fromstring(source.read("META-INF/manifest.xml"))
    except (zipfile.BadZipFile, KeyError, ValueError, SyntaxError):
        return None
    encrypted = {_attr(entry, "full-path"): entry.find(f"{M}encryption-data")
                 for entry in manifest.iter(f"{M}file-entry")
                 if entry.find(f"{M}encryption-data") is not None}
    if not encrypted:
        return None
    for password in passwords:
        try:
            parts = {name: _decrypt_part(source.read(name), password, data)
                     for name, data in encrypted.items() if name in source.namelist()}
        except (WrongPassword, ValueError, zlib.error):
            continue
        return _repack(source, parts, manifest)
    return None


def _repack(source: zipfile.ZipFile, parts: dict[str, bytes], manifest: Element) -> bytes:
    for entry in manifest.iter(f"{M}file-entry"):
        data = entry.find(f"{M}encryption-data")
        if data is not None:
            entry.remove(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename == "META-INF/manifest.xml":
                target.writestr(info.filename, tostring(manifest, encoding="utf-8"))
            elif info.filename in parts:
                target.writestr(info.filename, parts[info.filename])
            else:
                target.writestr(info, source.read(info.filename))
    return out.getvalue()
