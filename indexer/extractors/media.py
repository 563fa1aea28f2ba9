"""Audio and video: duration, codec and tags (mutagen, else ffprobe); no transcription."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
from pathlib import Path

import mutagen
from mutagen import MutagenError
from mutagen.id3 import ID3

from indexer.errors import ExtractionError
from indexer.extracted import Extracted, ExtractOptions

KIND = "audio"
MIME_TYPES = ("audio/mpeg", "audio/x-wav", "audio/wav", "audio/ogg", "audio/flac",
              "audio/x-flac", "audio/mp4", "audio/x-m4a", "video/mp4", "video/quicktime",
              "video/x-msvideo", "video/x-matroska", "video/webm", "application/ogg",
              "video/x-flv", "video/mpeg", "audio/x-ms-wma", "video/x-ms-asf")

MAX_TAG_BYTES = 16 * 2**20  # an ID3 tag past this (cover art and all) is not salvaged
_TAG_NAMES = {"title": ("TIT2", "title", "\xa9nam", "TITLE", "Title"),
              "artist": ("TPE1", "artist", "\xa9ART", "ARTIST", "Author"),
              "album": ("TALB", "album", "\xa9alb", "ALBUM"),
              "date": ("TDRC", "date", "\xa9day", "DATE", "TYER", "WM/Year"),
              "comment": ("COMM::eng", "COMM", "comment", "\xa9cmt", "COMMENT", "Description"),
              "language": ("TLAN", "language", "LANGUAGE")}


def _tag(tags, names) -> str | None:
    if not tags:
        return None
    for name in names:
        try:
            value = tags.get(name)
        except (KeyError, ValueError, TypeError):
            value = None
        if value is None:
            matches = [k for k in getattr(tags, "keys", lambda: [])() if str(k).startswith(name)]
            value = tags.get(matches[0]) if matches else None
        if value is not None:
            value = getattr(value, "text", value)
            if isinstance(value, (list, tuple)):
                value = value[0] if value else None
            if value is not None and str(value).strip():
                return str(value).strip()
    return None


def _ffprobe(path: Path) -> dict:
    exe = shutil.which("ffprobe")
    if not exe:
        return {}
    try:
        proc = subprocess.run([exe, "-v", "error", "-print_format", "json", "-show_format",
                               "-show_streams", str(path)], capture_output=True, timeout=60)
        data = json.loads(proc.stdout or b"{}")
    except (OSError, subprocess.SubprocessError, ValueError):
        return {}
    fmt = data.get("format", {})
    streams = data.get("streams", [])
    out = {"duration": float(fmt["duration"]) if fmt.get("duration") else None,
           "codecs": [s.get("codec_name") for s in streams if s.get("codec_name")],
           "format": fmt.get("format_name")}
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    if video:
        out.update(width=video.get("width"), height=video.get("height"))
    for key, value in (fmt.get("tags") or {}).items():
        out.setdefault(f"tag_{key.lower()}", value)
    return {k: v for k, v in out.items() if v not in (None, [], "")}


def _described(audio, probed: dict) -> str:
    # What the recording is (codec, rate, length), searchable as Recoll makes it.
    try:
        line = audio.info.pprint() if audio is not None else ""
    except (AttributeError, TypeError, ValueError):
        line = ""
    if not line and probed:
        line = ", ".join(str(v) for v in (probed.get("format"), *probed.get("codecs", []),
                                            probed.get("duration") and
                                            f"{probed['duration']:.2f} seconds") if v)
    return f"recording: {line}" if line else ""


def _truncated_id3(path: Path):
    """The ID3 tag of a recording cut short inside its tag (a partial download or copy):
    the tag is read up to the cut, the missing end taken as padding. None when the file
    has no ID3 tag or it is whole (then the tag is not why mutagen failed)."""
    with path.open("rb") as fh:
        data = fh.read(MAX_TAG_BYTES)
    if len(data) < 10 or data[:3] != b"ID3" or any(b & 0x80 for b in data[6:10]):
        return None
    size = 10 + int.from_bytes(bytes(b & 0x7F for b in data[6:10]), "big")
    if len(data) >= size or size > MAX_TAG_BYTES:
        return None
    try:
        return ID3(io.BytesIO(data + bytes(size - len(data))))
    except (MutagenError, OSError, ValueError, EOFError, IndexError, KeyError):
        return None


def extract(path: Path, options: ExtractOptions) -> Extracted:
    """Technical metadata and tags; the tag text is the only page."""
    try:
        audio = mutagen.File(path)
    except (MutagenError, OSError, ValueError, EOFError, IndexError, KeyError) as exc:
        audio = None
        error = str(exc)
    else:
        error = None
    salvaged = _truncated_id3(path) if audio is None else None
    meta: dict = {}
    tags: dict[str, str] = {}
    if audio is not None:
        info = audio.info
        meta["duration"] = round(getattr(info, "length", 0) or 0, 3) or None
        for attr in ("bitrate", "sample_rate", "channels", "codec", "codec_description"):
            value = getattr(info, attr, None)
            if value:
                meta[attr] = value
        meta["format"] = type(audio).__name__
        tags = {k: v for k, names in _TAG_NAMES.items() if (v := _tag(audio.tags, names))}
    elif salvaged is not None:
        tags = {k: v for k, names in _TAG_NAMES.items() if (v := _tag(salvaged, names))}
        meta["truncated"] = "the file ends inside its ID3 tag; the tags before the cut are read"
    probed = _ffprobe(path)
    for key, value in probed.items():
        meta.setdefault(key, value)
    for key in ("title", "artist", "album", "date", "comment"):
        if key not in tags and probed.get(f"tag_{key}"):
            tags[key] = probed[f"tag_{key}"]
    if audio is None and not probed and not tags:
        raise ExtractionError(f"{path.name}: not a readable audio or video file"
                              f"{f' ({error})' if error else ''}.")
    meta = {k: v for k, v in meta.items() if v not in (None, "")}
    meta.update({f"tag_{k}": v for k, v in tags.items()})
    text = "\n".join([*(f"{k}: {v}" for k, v in tags.items()), _described(audio, probed)])
    return Extracted(pages=[text] if text.strip() else [], title=tags.get("title"),
                     author=tags.get("artist"), created=tags.get("date"), metadata=meta,
                     expects_text=False)
