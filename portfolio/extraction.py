"""Pull plain text out of stored evidence files (PDF, DOCX, ODT, text).

Used by the extraction task for search and criteria suggestions. Every reader
caps what it reads, so a hostile file costs bounded time and memory.
"""

import zipfile
from typing import IO
from xml.etree import ElementTree as ET

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from pypdf import PdfReader
from pypdf.errors import PyPdfError

MAX_CHARS = 500_000  # about 80,000 words: far beyond a portfolio document
MAX_PDF_PAGES = 300
MAX_XML_BYTES = 50 * 1024 * 1024

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT_NS = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"


class ExtractionError(Exception):
    """The file could not be read; the evidence is kept, without text."""


def extract_text(handle: IO[bytes], content_type: str) -> str:
    """Return the file's text (possibly empty). Raises ExtractionError."""
    try:
        if content_type == "application/pdf":
            text = _pdf(handle)
        elif content_type.endswith("wordprocessingml.document"):
            text = _zip_xml(handle, "word/document.xml", f"{W}p", f"{W}t")
        elif content_type == "application/vnd.oasis.opendocument.text":
            text = _odt(handle)
        elif content_type == "text/plain":
            text = handle.read(MAX_CHARS * 4).decode("utf-8", errors="replace")
        else:
            return ""
    except (
        PyPdfError,
        zipfile.BadZipFile,
        KeyError,
        ET.ParseError,
        DefusedXmlException,
        OSError,
        ValueError,
    ) as error:
        raise ExtractionError(str(error)) from error
    return text[:MAX_CHARS].replace("\x00", "")


def _pdf(handle: IO[bytes]) -> str:
    reader = PdfReader(handle)
    if reader.is_encrypted:
        raise ExtractionError("encrypted PDF")
    pages = []
    total = 0
    for page in reader.pages[:MAX_PDF_PAGES]:
        text = page.extract_text() or ""
        pages.append(text)
        total += len(text)
        if total > MAX_CHARS:
            break
    return "\n\n".join(pages)


def _read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as member:
        data = member.read(MAX_XML_BYTES + 1)
    if len(data) > MAX_XML_BYTES:
        raise ExtractionError("document part too large")
    if b"<!DOCTYPE" in data[:2048] or b"<!ENTITY" in data:
        raise ExtractionError("document declares entities")
    return data


def _zip_xml(handle: IO[bytes], member: str, para_tag: str, text_tag: str) -> str:
    with zipfile.ZipFile(handle) as archive:
        root = SafeET.fromstring(_read_member(archive, member))
    paragraphs = []
    for para in root.iter(para_tag):
        paragraphs.append("".join(node.text or "" for node in para.iter(text_tag)))
    return "\n".join(p for p in paragraphs if p.strip())


def _odt(handle: IO[bytes]) -> str:
    with zipfile.ZipFile(handle) as archive:
        root = SafeET.fromstring(_read_member(archive, "content.xml"))
    paragraphs = []
    for tag in (f"{TEXT_NS}p", f"{TEXT_NS}h"):
        for para in root.iter(tag):
            paragraphs.append("".join(para.itertext()))
    return "\n".join(p for p in paragraphs if p.strip())
