"""Generate the demo collection (sample_docs/release) and news (sample_docs/news).

Run from the repository root: `python sample_docs/make.py`. Needs fpdf2 and uharfbuzz
(Arabic shaping in PDFs), Pillow with raqm, py7zr, pypdf, and the Debian packages
espeak-ng, ffmpeg and fonts-noto-core. The output is committed, so nobody has to run this
to use Docket; it documents how every file was made.
"""

from __future__ import annotations

import email.message
import email.policy
import io
import json
import random
import shutil
import subprocess
import tarfile
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from xml.sax.saxutils import escape

import py7zr
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from pypdf import PdfReader, PdfWriter

import texts as T

HERE = Path(__file__).resolve().parent
RELEASE = HERE / "release"
NEWS = HERE / "news"
HOLDOUT = HERE / "news-holdout"
FONTS = Path("/usr/share/fonts/truetype/noto")
NASKH = FONTS / "NotoNaskhArabic-Regular.ttf"
NASTALIQ = FONTS / "NotoNastaliqUrdu-Regular.ttf"
SANS = FONTS / "NotoSans-Regular.ttf"
FIXED_DATE = datetime(2011, 4, 30, 9, 0, tzinfo=timezone.utc)
RANDOM = random.Random(2017)


def write(rel: str, data: bytes | str, encoding: str = "utf-8") -> Path:
    path = RELEASE / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def pdf_bytes(pages: list[str], title: str, author: str, font: Path = NASKH,
              rtl: bool = True) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.add_font("main", fname=str(font))
    pdf.add_font("latin", fname=str(SANS))
    pdf.set_text_shaping(True)
    for text in pages:
        pdf.add_page()
        for line in text.split("\n"):
            latin = line.isascii()
            pdf.set_font("latin" if latin else "main", size=12 if latin else 14)
            pdf.multi_cell(0, 9, line or " ", align="L" if latin or not rtl else "R",
                           new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def scan_image(text: str, font: Path, size: int = 34, rtl: bool = True) -> Image.Image:
    """Render text like a scanned page: off-white paper, slight tilt, blur and speckles."""
    fnt = ImageFont.truetype(str(font), size)
    lines = text.split("\n")
    width, line_h = 1400, int(size * 2.0)
    img = Image.new("L", (width, line_h * (len(lines) + 3)), 244)
    draw = ImageDraw.Draw(img)
    for i, line in enumerate(lines):
        kwargs = {"direction": "rtl", "language": "ar"} if rtl else {}
        box = draw.textbbox((0, 0), line, font=fnt, **kwargs)
        x = width - 120 - (box[2] - box[0]) if rtl else 120
        draw.text((x, line_h * (i + 1)), line, font=fnt, fill=25, **kwargs)
    for _ in range(1500):
        draw.point((RANDOM.randrange(width), RANDOM.randrange(img.height)), fill=120)
    return img.rotate(0.8, fillcolor=244, resample=Image.BICUBIC).filter(
        ImageFilter.GaussianBlur(0.6))


def docx_bytes(paragraphs: list[str], title: str, author: str, rtl: bool = True) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    bidi = "<w:pPr><w:bidi/></w:pPr>" if rtl else ""
    rpr = "<w:rPr><w:rtl/></w:rPr>" if rtl else ""
    body = "".join(f'<w:p>{bidi}<w:r>{rpr}<w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>'
                   for p in paragraphs)
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
            'package.core-properties+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            'relationships/officeDocument" Target="word/document.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
            'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
            '</Relationships>'),
        "word/document.xml": (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                              f'<w:document xmlns:w="{w}"><w:body>{body}</w:body></w:document>'),
        "docProps/core.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
            'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f'<dc:title>{escape(title)}</dc:title><dc:creator>{escape(author)}</dc:creator>'
            '<dcterms:created xsi:type="dcterms:W3CDTF">2010-12-20T10:00:00Z</dcterms:created>'
            '</cp:coreProperties>'),
    }
    return _zip(files, mimetype_first=None)


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    def cell(v: str) -> str:
        if v.isdigit():
            return f"<c><v>{v}</v></c>"
        return f'<c t="inlineStr"><is><t>{escape(v)}</t></is></c>'

    sheet = "".join(f"<row>{''.join(cell(v) for v in row)}</row>" for row in rows)
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    files = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'),
        "xl/workbook.xml": (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{main}" '
                            f'xmlns:r="{rel}"><sheets><sheet name="Expenses" sheetId="1" '
                            f'r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="'
            f'{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
        "xl/worksheets/sheet1.xml": (f'<?xml version="1.0" encoding="UTF-8"?><worksheet '
                                     f'xmlns="{main}"><sheetData>{sheet}</sheetData></worksheet>'),
    }
    return _zip(files)


def odt_bytes(text: str, title: str) -> bytes:
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"')
    paras = "".join(f"<text:p>{escape(line)}</text:p>" for line in text.split("\n"))
    files = {
        "mimetype": "application/vnd.oasis.opendocument.text",
        "content.xml": (f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
                        f'office:version="1.2"><office:body><office:text>{paras}</office:text>'
                        f'</office:body></office:document-content>'),
        "meta.xml": (f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ns} '
                     f'office:version="1.2"><office:meta><dc:title>{escape(title)}</dc:title>'
                     f'<meta:creation-date>2011-06-01T08:00:00</meta:creation-date>'
                     f'</office:meta></office:document-meta>'),
        "META-INF/manifest.xml": (
            '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
            'names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry '
            'manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.text"/>'
            '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
            '</manifest:manifest>'),
    }
    return _zip(files, mimetype_first="mimetype")


def _zip(files: dict[str, str | bytes], mimetype_first: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=(2011, 4, 30, 9, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == mimetype_first else zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def rtf_bytes(text: str, title: str) -> bytes:
    body = []
    for ch in text:
        if ch == "\n":
            body.append("\\par\n")
        elif ord(ch) < 128:
            body.append(ch)
        else:
            try:
                body.append("".join(f"\\'{b:02x}" for b in ch.encode("cp1256")))
            except UnicodeEncodeError:
                body.append(f"\\u{ord(ch)}?")
    head = ("{\\rtf1\\ansi\\ansicpg1256\\deff0{\\fonttbl{\\f0\\fnil\\fcharset178 Arial;}}"
            f"{{\\info{{\\title {title}}}{{\\author Yunus}}}}\\rtlpar\\f0\\fs28 ")
    return (head + "".join(body) + "}").encode("ascii")


def email_bytes(sender: str, to: str, subject: str, date: str, body: str,
                attachments: list[tuple[str, str, bytes]]) -> bytes:
    msg = email.message.EmailMessage(policy=email.policy.SMTP)
    msg["From"], msg["To"], msg["Subject"], msg["Date"] = sender, to, subject, date
    msg["Message-ID"] = f"<{abs(hash(subject)) % 10**8}@docket.example>"
    msg.set_content(body)
    for name, mime, data in attachments:
        maintype, subtype = mime.split("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def audio(rel: str, text: str, voice: str, tags: dict[str, str]) -> None:
    target = RELEASE / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    wav = target.with_suffix(".tmp.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", "150", "-w", str(wav), text], check=True)
    meta = [x for k, v in tags.items() for x in ("-metadata", f"{k}={v}")]
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-i", str(wav), "-ac", "1", "-b:a", "32k",
                    *meta, "-fflags", "+bitexact", str(target)], check=True)
    wav.unlink()


def video(rel: str, title: str) -> None:
    target = RELEASE / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ffmpeg", "-y", "-loglevel", "error", "-f", "lavfi", "-i",
                    "testsrc=duration=2:size=320x240:rate=10", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", "-shortest", "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "32k",
                    "-metadata", f"title={title}", "-metadata", "date=2010",
                    "-metadata", "comment=Test pattern standing in for a video release",
                    "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact",
                    str(target)], check=True)


def make_bin_laden_letters() -> None:
    """The letters and report the README's first examples find (bin Laden, Iran, al-Qaida)."""
    write("letters/letter-025-ar-bin-laden.txt", T.LETTER_BIN_LADEN_AR)
    write("letters/letter-026-en-bin-laden-translation.txt", T.LETTER_BIN_LADEN_EN)
    write("reports/report-2010-organisation-en.pdf", pdf_bytes(
        T.REPORT_IRAN_EN_PAGES, "Notes on the organisation, 2010", "Shura council",
        font=SANS, rtl=False))


def make_release() -> None:
    shutil.rmtree(RELEASE, ignore_errors=True)
    # letters: Arabic in many encodings and formats, Persian, Urdu, an English translation
    write("letters/letter-001-ar.txt", T.LETTER_EDUCATION_AR)
    write("letters/letter-002-ar.pdf", pdf_bytes([T.LETTER_COURIER_AR], "رسالة بخصوص الرسائل المتأخرة",
                                                 "محمود"))
    write("letters/letter-003-ar-cp1256.txt", T.LETTER_HEALTH_AR_1256.replace("\n", "\r\n"), "cp1256")
    write("letters/letter-004-ar-iso8859-6.txt", T.LETTER_MARKET_AR_8859, "iso8859_6")
    write("letters/letter-005-ar.docx", docx_bytes(T.DOCX_LETTER_AR, "إلى لجنة الإعلام", "يونس"))
    write("letters/letter-006-ar.rtf", rtf_bytes(T.RTF_LETTER_AR, "Letter to Khalid"))
    write("letters/letter-007-ar-diacritics.txt", T.LETTER_DIACRITICS_AR)
    write("letters/letter-008-fa.txt", T.LETTER_PERSIAN, "utf-16")
    write("letters/letter-009-ur.txt", T.LETTER_URDU)
    write("letters/letter-010-ar.html", T.HTML_LETTER_AR)
    write("letters/letter-011-ar-poem.txt", T.LETTER_POETRY_AR)
    write("letters/letter-012-en-translation.txt", T.LETTER_ENGLISH_TRANSLATION)
    write("letters/letter-013-ar-library.txt", T.LETTER_LIBRARY_AR)
    write("letters/letter-014-ar-media.txt", T.LETTER_MEDIA_AR)
    write("letters/letter-015-ar-reconciliation.txt", T.LETTER_RECONCILIATION_AR)
    write("letters/letter-016-fa.html", T.HTML_PERSIAN)
    write("letters/letter-017-ur.pdf", pdf_bytes([T.LETTER_URDU], "خط", "عمران", font=NASTALIQ))
    make_bin_laden_letters()
    # the same letter filed twice: one document, two paths
    write("letters/copies/letter-001-ar-copy.txt", T.LETTER_EDUCATION_AR)

    # scans: an Arabic letter as an image and as an image-only PDF, an English note
    scan = scan_image(T.SCAN_LETTER_AR, NASKH)
    buf = io.BytesIO()
    scan.save(buf, "PNG", optimize=True)
    write("scans/scan-018-ar-letter.png", buf.getvalue())
    buf = io.BytesIO()
    scan.convert("RGB").save(buf, "PDF", resolution=150.0)
    write("scans/scan-018-ar-letter.pdf", buf.getvalue())
    note = scan_image(T.NOTE_SCAN_EN, SANS, size=30, rtl=False)
    buf = io.BytesIO()
    note.convert("RGB").save(buf, "JPEG", quality=80)
    write("scans/scan-019-en-courier-note.jpg", buf.getvalue())

    # reports: multi-page PDFs with metadata, office files, HTML, mixed-language text
    write("reports/report-2009-security-ar.pdf", pdf_bytes(
        T.REPORT_SECURITY_AR_PAGES, "تقرير عن السلامة والاتصالات لعام 2009", "اللجنة"))
    write("reports/report-2010-media-en.pdf", pdf_bytes(
        T.REPORT_MEDIA_EN_PAGES, "Media Committee Annual Report 2010", "Media committee",
        font=SANS, rtl=False))
    write("reports/expenses-2010.xlsx", xlsx_bytes(T.EXPENSES_ROWS))
    write("reports/report-fa-library.docx", docx_bytes(T.REPORT_PERSIAN_SUMMARY.split("\n"),
                                                       "گزارش کتابخانه", "رضا"))
    write("reports/pamphlet-ur-education.html",
          f'<html lang="ur" dir="rtl"><head><meta charset="utf-8"><title>تعلیم کی اہمیت</title>'
          f'</head><body><p>{escape(T.PAMPHLET_URDU)}</p></body></html>')
    write("reports/meeting-notes-mixed.txt", T.MIXED_NOTES)
    write("reports/report-2011-agriculture-ar.odt", odt_bytes(T.ODT_REPORT_AR, "تقرير الزراعة لعام 2011"))

    # media: audio with tags, a short video
    audio("media/audio-020-ar-statement.mp3", T.AUDIO_SPEECH_AR, "ar",
          {"title": "كلمة عن التعليم", "artist": "Media committee", "date": "2010",
           "comment": "Short statement on education and the library", "language": "ara"})
    audio("media/audio-021-en-statement.ogg", T.AUDIO_SPEECH_EN, "en",
          {"title": "Statement on the release schedule", "artist": "Media committee",
           "date": "2010"})
    video("media/video-022-release.mp4", "Video release draft (test pattern)")

    # mail: e-mails with attachments
    media_report = (RELEASE / "reports/report-2010-media-en.pdf").read_bytes()
    write("mail/message-023-en-media-report.eml", email_bytes(
        "Hamza <hamza@docket.example>", "Yunus <yunus@docket.example>",
        "Media committee annual report 2010", "Mon, 20 Dec 2010 09:15:00 +0500", T.EMAIL_EN_BODY,
        [("report-2010-media-en.pdf", "application/pdf", media_report)]))
    write("mail/message-024-ar-expenses.eml", email_bytes(
        "سالم <salim@docket.example>", "يونس <yunus@docket.example>", "مصاريف شهر ديسمبر",
        "Fri, 31 Dec 2010 18:00:00 +0500", T.EMAIL_AR_BODY,
        [("expenses-december.xlsx", "application/vnd.openxmlformats-officedocument."
          "spreadsheetml.sheet", xlsx_bytes(T.EXPENSES_ROWS[:1] + T.EXPENSES_ROWS[4:]))]))

    # archives: zip, tar.gz, 7z
    write("archives/correspondence-2010.zip", _zip(T.ZIP_LETTERS))
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz", format=tarfile.USTAR_FORMAT) as tf:
        for name, text in T.TAR_FILES.items():
            data = text.encode("utf-8")
            info = tarfile.TarInfo(name)
            info.size, info.mtime = len(data), int(FIXED_DATE.timestamp())
            tf.addfile(info, io.BytesIO(data))
    write("archives/bulletin.tar.gz", buf.getvalue())
    target = RELEASE / "archives/notes.7z"
    with py7zr.SevenZipFile(target, "w") as sz:
        for name, text in T.SEVEN_ZIP_FILES.items():
            sz.writestr(text.encode("utf-8"), name)

    # broken and awkward files: each must end with a clear reason, never stop a run
    whole = (RELEASE / "reports/report-2009-security-ar.pdf").read_bytes()
    write("broken/truncated-report.pdf", whole[: len(whole) // 3])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(media_report)))
    writer.encrypt(user_password="docket-secret", owner_password="docket-owner")
    buf = io.BytesIO()
    writer.write(buf)
    write("broken/locked-statement.pdf", buf.getvalue())
    write("broken/empty-note.txt", b"")
    write("broken/letter-wrong-extension.pdf", T.LETTER_RECONCILIATION_AR)  # text named .pdf
    write("broken/garbage.doc", bytes(RANDOM.randrange(256) for _ in range(4096)))
    write("broken/corrupt.docx", b"PK\x03\x04" + bytes(RANDOM.randrange(256) for _ in range(2048)))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("zeros-1.bin", b"\0" * (300 * 2**20))  # 300 MiB of zeros in ~300 KB
    write("broken/zip-bomb.zip", buf.getvalue())


def _write_news(folder: Path, items: dict) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for name, (lang, headline, outlet, author, date, body) in items.items():
        if name.endswith(".html"):
            direction = "rtl" if lang == "ar" else "ltr"
            page = (f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
                    f'<title>{escape(headline)} | {escape(outlet)}</title>'
                    f'<meta name="author" content="{escape(author)}">'
                    f'<meta property="article:published_time" content="{date}">'
                    f'<meta property="og:site_name" content="{escape(outlet)}"></head>\n<body>'
                    f'<header>{escape(outlet)}</header><article><h1>{escape(headline)}</h1>'
                    f'<p class="byline">{escape(author)}, {date}</p>\n{body}\n</article></body></html>\n')
        else:
            page = f"{headline}\n{outlet}, {author}, {date}\n\n{body}\n"
        (folder / name).write_text(page, encoding="utf-8")


def make_news() -> None:
    _write_news(NEWS, T.NEWS)
    _write_news(HOLDOUT, T.HOLDOUT_NEWS)
    holdout = {
        "holdout-en-01-mediation.txt": ["letters/letter-015-ar-reconciliation.txt",
                                        "reports/report-2011-agriculture-ar.odt"],
        "holdout-ar-02-library.txt": ["letters/letter-013-ar-library.txt",
                                      "reports/report-fa-library.docx"],
        "holdout-en-03-poem.txt": ["letters/letter-011-ar-poem.txt",
                                   "reports/pamphlet-ur-education.html"],
    }
    (HERE / "news-holdout-judgements.json").write_text(
        json.dumps(holdout, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    judged = {
        "news-en-01-education-letters.html": ["letters/letter-001-ar.txt",
                                              "letters/letter-012-en-translation.txt",
                                              "letters/letter-005-ar.docx"],
        "news-en-02-security-report.html": ["reports/report-2009-security-ar.pdf",
                                            "scans/scan-019-en-courier-note.jpg"],
        "news-ar-03-media-committee.html": ["reports/report-2010-media-en.pdf",
                                            "mail/message-023-en-media-report.eml",
                                            "media/audio-020-ar-statement.mp3"],
        "news-ar-04-family-letters.txt": ["letters/letter-008-fa.txt", "letters/letter-009-ur.txt",
                                          "letters/letter-017-ur.pdf"],
        "news-en-05-expenses.txt": ["reports/expenses-2010.xlsx", "mail/message-024-ar-expenses.eml",
                                    "letters/letter-003-ar-cp1256.txt",
                                    "mail/message-024-ar-expenses.eml!/expenses-december.xlsx"],
        "news-en-06-general-release.html": [],
        "_why": {
            "letters/letter-017-ur.pdf": "a scan of the Urdu letter letter-009-ur.txt: the same "
                                         "letter the story describes",
            "mail/message-024-ar-expenses.eml!/expenses-december.xlsx":
                "the December accounts the e-mail attaches, named in the story, listing the two "
                "Arabic-English dictionaries it mentions"},
    }
    (HERE / "news-judgements.json").write_text(
        json.dumps(judged, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    make_release()
    make_news()
    files = [p for p in RELEASE.rglob("*") if p.is_file()]
    print(f"{len(files)} files, {sum(p.stat().st_size for p in files) / 2**20:.1f} MiB in {RELEASE}")
