"""Signed messages (PKCS#7 / CMS .p7m): the signed content becomes a child (openssl)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from indexer.errors import TOO_LARGE, ExtractionError
from indexer.extracted import Child, Extracted, ExtractOptions
from indexer.tools import run_tool

KIND = "archive"
MIME_TYPE = "application/pkcs7-mime"
MIME_TYPES = (MIME_TYPE, "application/x-pkcs7-mime", "application/pkcs7-signature")


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Unwrap the signed content without checking the signature (a release has no trust
    chain to check against). Raises ExtractionError when openssl cannot read it."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "content"
        for form in ("DER", "PEM"):
            proc = run_tool(["openssl", "cms", "-verify", "-noverify", "-inform", form, "-in",
                             str(path), "-out", str(out)], path, options, "openssl")
            if out.exists() and out.stat().st_size:
                if out.stat().st_size > options.max_container_bytes:
                    raise ExtractionError(f"{path.name}: the signed content is too large.",
                                          reason=TOO_LARGE)
                data = out.read_bytes()
                break
        else:
            raise ExtractionError(f"{path.name}: not a readable PKCS#7 message: "
                                  f"{proc.stderr.decode('utf-8', 'replace').strip()[:200]}")
    name = path.stem if path.suffix.lower() in (".p7m", ".p7s") else path.name + ".content"
    return Extracted(pages=[name], children=[Child(name, data)], expects_text=False,
                     metadata={"signature": "not verified"})
