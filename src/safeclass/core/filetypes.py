"""Recognising uploaded files by their first bytes, not by their name.

Only kinds a lesson needs are accepted; everything else (programs, scripts,
archives, web pages that could run code in the browser) is refused.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    label: str
    content_type: str
    extension: str
    inline: bool  # safe to show in the browser rather than download


PDF = FileKind("PDF", "application/pdf", "pdf", True)
PNG = FileKind("PNG", "image/png", "png", True)
JPEG = FileKind("JPEG", "image/jpeg", "jpg", True)
MP3 = FileKind("MP3", "audio/mpeg", "mp3", True)
MP4 = FileKind("MP4", "video/mp4", "mp4", True)
DOCX = FileKind(
    "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", False
)
XLSX = FileKind(
    "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", False
)
PPTX = FileKind(
    "PowerPoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "pptx",
    False,
)
ODT = FileKind("OpenDocument", "application/vnd.oasis.opendocument.text", "odt", False)
TEXT = FileKind("Text", "text/plain; charset=utf-8", "txt", True)

ACCEPTED = (PDF, PNG, JPEG, MP3, MP4, DOCX, XLSX, PPTX, ODT, TEXT)


def _office_kind(data: bytes) -> FileKind | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return ODT if mimetype == ODT.content_type else None
            if "[Content_Types].xml" not in names:
                return None
            if any(name.startswith("word/") for name in names):
                return DOCX
            if any(name.startswith("xl/") for name in names):
                return XLSX
            if any(name.startswith("ppt/") for name in names):
                return PPTX
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
    return None


def sniff(data: bytes) -> FileKind | None:
    """The kind of an uploaded file, or None when it is not one SafeClass accepts."""
    head = data[:16]
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    if data[4:8] == b"ftyp":
        return MP4
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(data)
    if b"\x00" not in data[:4096]:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if "<script" in text.lower() or "<html" in text.lower():
            return None
        return TEXT
    return None
