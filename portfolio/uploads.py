"""Decide what an uploaded file really is, by its content, and name it safely.

The extension and the browser's Content-Type are never trusted: the first bytes
are read (`filetype`), zip containers are opened to tell DOCX from ODT from
anything else and to refuse zip bombs, and plain text must decode as UTF-8 with
no markup a browser could run.
"""

import hashlib
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import IO

import filetype
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

# Allowed types: label -> (MIME type, extension used in storage).
ALLOWED = {
    "pdf": ("application/pdf", ".pdf"),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ".docx",
    ),
    "odt": ("application/vnd.oasis.opendocument.text", ".odt"),
    "txt": ("text/plain", ".txt"),
    "png": ("image/png", ".png"),
    "jpg": ("image/jpeg", ".jpg"),
    "mp3": ("audio/mpeg", ".mp3"),
    "m4a": ("audio/mp4", ".m4a"),
    "mp4": ("video/mp4", ".mp4"),
}
ALLOWED_LABEL = (
    "PDF, Word (.docx), OpenDocument (.odt), plain text, PNG, JPEG, MP3, M4A, MP4"
)
# Browsers may show these in a tab safely (no script can run in them under
# Content-Security-Policy: sandbox); everything else is always a download.
# Not PDF: a PDF can carry JavaScript and forms, and a PDF/ZIP polyglot passes
# as a PDF, so PDFs are downloaded and opened in the learner's own reader.
INLINE_SAFE = {"image/png", "image/jpeg"}

HEAD_BYTES = 8192
# A real DOCX of a few pages is 20-200 KB zipped and rarely 5 MB unzipped; text
# compresses about 10:1. Past these limits it is treated as a zip bomb.
ZIP_MAX_TOTAL_UNCOMPRESSED = 200 * 1024 * 1024
ZIP_MAX_RATIO = 100
ZIP_MAX_MEMBERS = 2000
MAX_NAME_LENGTH = 120

_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype)", re.I)
_UNSAFE_NAME_CHARS = re.compile(r"[^\w.\- ()]+")


@dataclass(frozen=True)
class Detected:
    label: str
    content_type: str
    extension: str


def _reject(message: str) -> ValidationError:
    return ValidationError(message, code="file_type")


def _check_zip(handle: IO[bytes], size: int) -> str:
    """Return 'docx' or 'odt' for a well-formed office document. Raises
    ValidationError for any other zip, a broken one, or a zip bomb."""
    handle.seek(0)
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError):
        raise _reject(_("This file is damaged and cannot be opened.")) from None
    with archive:
        members = archive.infolist()
        if len(members) > ZIP_MAX_MEMBERS:
            raise _reject(_("This document contains too many parts to be safe."))
        total = sum(member.file_size for member in members)
        if total > ZIP_MAX_TOTAL_UNCOMPRESSED or total > max(size, 1) * ZIP_MAX_RATIO:
            raise _reject(
                _(
                    "This document expands to far more than its size (a “zip bomb”),"
                    " so it was refused."
                )
            )
        names = {member.filename for member in members}
        if "[Content_Types].xml" in names and "word/document.xml" in names:
            with archive.open("[Content_Types].xml") as types:
                declared = types.read(1024 * 1024)
            if b"wordprocessingml.document.main+xml" in declared:
                return "docx"
        if "mimetype" in names:
            with archive.open("mimetype") as mimetype:
                if mimetype.read(100).strip() == ALLOWED["odt"][0].encode():
                    return "odt"
    raise _reject(
        _("Only Word (.docx) and OpenDocument (.odt) documents are accepted.")
    )


def _looks_like_text(handle: IO[bytes]) -> bool:
    handle.seek(0)
    sample = handle.read(64 * 1024)
    if b"\x00" in sample:
        return False
    try:
        # A multibyte character may be cut at the sample's end.
        sample.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(sample) - 4:
            return False
    return not _MARKUP.search(sample)


def detect(handle: IO[bytes], size: int) -> Detected:
    """Identify an upload by content. Raises ValidationError with a message for
    the learner when the type is not on the allow-list."""
    if size == 0:
        raise ValidationError(_("This file is empty."), code="empty")
    handle.seek(0)
    head = handle.read(HEAD_BYTES)
    handle.seek(0)
    if _MARKUP.search(head[:1024]):
        raise _reject(
            _("Web pages, SVG images and scripts cannot be uploaded as evidence.")
        )
    kind = filetype.guess(head)
    label: str | None = None
    if kind is None:
        if _looks_like_text(handle):
            label = "txt"
    elif kind.extension in {"zip", "docx", "odt"}:
        label = _check_zip(handle, size)
    elif kind.extension in {"pdf", "png", "jpg", "mp3", "m4a", "mp4"}:
        label = kind.extension
    handle.seek(0)
    if label is None:
        what = kind.extension.upper() if kind else _("unrecognised")
        raise _reject(
            _("This file's content is %(what)s, which is not accepted. Upload %(ok)s.")
            % {"what": what, "ok": ALLOWED_LABEL}
        )
    content_type, extension = ALLOWED[label]
    return Detected(label=label, content_type=content_type, extension=extension)


def sanitise_name(name: str, extension: str) -> str:
    """A display name safe in headers and on disk: no path, no control or
    direction-override characters, at most 120 characters, with the extension
    that matches the detected content."""
    name = unicodedata.normalize("NFC", name or "")
    # Drop control (Cc), format (Cf: RTL overrides, zero-width) and separators.
    name = "".join(ch for ch in name if unicodedata.category(ch) not in {"Cc", "Cf"})
    name = PurePosixPath(name.replace("\\", "/")).name
    stem = PurePosixPath(name).stem if "." in name else name
    stem = _UNSAFE_NAME_CHARS.sub("_", stem).strip(" ._") or "evidence"
    stem = stem[: MAX_NAME_LENGTH - len(extension)]
    return f"{stem}{extension}"


def sha256_of(handle: IO[bytes]) -> str:
    """Hash in 1 MB chunks so large files are never read into memory at once."""
    handle.seek(0)
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    handle.seek(0)
    return digest.hexdigest()


class SizeLimitUploadHandler(FileUploadHandler):
    """Stop reading a file as soon as it passes the per-file limit, so a huge
    upload is refused without first being written to the temporary folder."""

    def __init__(self, request, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received = start + len(raw_data)
        if self.received > self.limit:
            self.request.evidence_upload_too_big = True  # type: ignore[union-attr]
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None
