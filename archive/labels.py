"""Readable names for the codes the index keeps: languages, kinds of document, statuses."""

from __future__ import annotations

LANGUAGE_NAMES = {"ar": "Arabic", "fa": "Persian", "ur": "Urdu", "en": "English",
                  "ps": "Pashto", "fr": "French", "de": "German", "he": "Hebrew"}
KIND_NAMES = {"pdf": "PDF", "text": "Plain text", "html": "Web page", "word": "Word document",
              "spreadsheet": "Spreadsheet", "slides": "Slides", "email": "E-mail",
              "archive": "Archive (zip, tar…)", "image": "Image", "audio": "Audio",
              "video": "Video", "other": "Other"}
STATUS_NAMES = {"ok": "Read", "failed": "Could not be read", "empty": "Nothing to read"}
NEWS_NAMES = {"covered": "Discussed in the news", "none": "Not in the news"}


def language_label(code: str) -> str:
    """"Arabic (ar)" for "ar"; "No language detected" for "none" or an empty code."""
    if not code or code == "none":
        return "No language detected"
    name = LANGUAGE_NAMES.get(code)
    return f"{name} ({code})" if name else code


def facet_label(facet: str, value: str) -> str:
    """The name a reader sees for a facet value (lang:ar is "Arabic (ar)"); the value itself
    when it has no other name (folders, years)."""
    if facet == "lang":
        return language_label(value)
    names = {"type": KIND_NAMES, "status": STATUS_NAMES, "news": NEWS_NAMES}.get(facet, {})
    return names.get(value, value)
