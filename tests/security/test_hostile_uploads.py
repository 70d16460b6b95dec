"""Hostile uploads, end to end through the upload page (issue 9).

The corpus is made here, byte by byte: nothing binary is committed. Every file
is sent as a raw multipart body (so names the Django test client would tidy up,
such as ``../`` or a NUL, reach the server as an attacker would send them). Each
must be refused with a clear message at the file field, with the title the
learner typed kept, or stored inertly under a random name and served only as a
download. Nothing may be written outside MEDIA_ROOT, and nothing may be left
behind by a refused, interrupted, rolled-back, racing or repeated upload.
"""

import io
import re
import socket
import threading
import time
import uuid
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.urls import reverse

from portfolio import services
from portfolio.models import Evidence, EvidenceRevision
from tests import factories
from tests.portfolio import samples

BOUNDARY = "----criterion-hostile-boundary"


# --- the corpus -------------------------------------------------------------------
def _pdf() -> bytes:
    return samples.pdf_bytes("Complaint resolved within policy.")


def polyglot_pdf_zip() -> bytes:
    """A real PDF with a ZIP (holding an executable and a web page) appended:
    PDF readers read from the top, unzip tools from the end."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.exe", samples.EXE)
        archive.writestr("index.html", "<script>alert(1)</script>")
    return _pdf() + buffer.getvalue()


def docx_zip_bomb() -> bytes:
    """A well-formed DOCX whose document.xml expands from ~100 KB to 100 MB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        with z.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = b" " * (1024 * 1024)
            for _ in range(100):
                member.write(chunk)
    return buffer.getvalue()


HTML_SCRIPT = b"<html><body><script>alert(document.cookie)</script></body></html>"
SVG_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
    b'onload="alert(1)"><script>alert(document.domain)</script></svg>'
)
TEXT = b"Notes from my one-to-one with my line manager."

# (case id, file name as sent, content) -> refused with a message containing...
REFUSED = [
    ("elf-as-pdf", "invoice.pdf", samples.ELF, "ELF"),
    ("pe-as-pdf", "invoice.pdf", samples.EXE, "EXE"),
    ("html-as-txt", "notes.txt", HTML_SCRIPT, "Web pages, SVG images and scripts"),
    ("html-as-png", "photo.png", HTML_SCRIPT, "Web pages, SVG images and scripts"),
    ("svg-script", "diagram.svg", SVG_SCRIPT, "Web pages, SVG images and scripts"),
    ("svg-as-png", "diagram.png", SVG_SCRIPT, "Web pages, SVG images and scripts"),
    ("zip-bomb-docx", "reflection.docx", None, "zip bomb"),
    ("empty", "empty.pdf", b"", "empty"),
]

# (case id, file name as sent, content, stored display name, content type)
STORED = [
    ("polyglot", "report.pdf", None, "report.pdf", "application/pdf"),
    (
        "dot-dot-slash",
        "../../../../etc/cron.d/evil.txt",
        TEXT,
        "evil.txt",
        "text/plain",
    ),
    (
        "backslashes",
        "..\\..\\windows\\system32\\evil.txt",
        TEXT,
        "evil.txt",
        "text/plain",
    ),
    ("nul-byte", "notes.txt\x00.exe", TEXT, "notes.txt.txt", "text/plain"),
    ("rtl-override", "invoice\u202etxt.exe", TEXT, "invoicetxt.txt", "text/plain"),
    ("300-chars", "a" * 296 + ".txt", TEXT, "a" * 116 + ".txt", "text/plain"),
]


def _content(case_id: str, data: bytes | None) -> bytes:
    if data is not None:
        return data
    return {"zip-bomb-docx": docx_zip_bomb, "polyglot": polyglot_pdf_zip}[case_id]()


# --- helpers ----------------------------------------------------------------------
def multipart(fields: dict[str, str], filename: str, data: bytes) -> bytes:
    """A multipart/form-data body with the file name exactly as given."""
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    quoted = filename.replace('"', "%22")
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode(
            "utf-8", "surrogateescape"
        )
        + data
        + b"\r\n"
    )
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def post_upload(client, unit, filename: str, data: bytes, **fields):
    body = multipart({"title": "My complaint log", **fields}, filename, data)
    return client.post(
        reverse("portfolio:upload", args=[unit.slug]),
        data=body,
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


class _Fields(HTMLParser):
    """Collects input values and the error text shown under the file field."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self.errors: list[str] = []
        self._in_error = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        if "invalid-feedback" in (attrs.get("class") or ""):
            self._in_error += 1
            self.errors.append("")

    def handle_endtag(self, tag):
        if self._in_error and tag in {"div", "span", "p"}:
            self._in_error -= 1

    def handle_data(self, data):
        if self._in_error:
            self.errors[-1] += data


def parse(response) -> _Fields:
    parser = _Fields()
    parser.feed(response.content.decode())
    return parser


@pytest.fixture
def sandbox(settings, tmp_path):
    """MEDIA_ROOT and the upload temp folder inside one watched directory."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "upload-tmp")
    (tmp_path / "upload-tmp").mkdir()
    return tmp_path


@pytest.fixture
def unit(qualification):
    unit = factories.UnitFactory(
        qualification=qualification, title="Customer service", slug="customer-service"
    )
    topic = factories.TopicFactory(unit=unit, slug="complaints")
    factories.MarkingPointFactory(
        topic=topic, position=1, text="Resolves a complaint within policy."
    )
    return unit


# --- refused ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "filename", "data", "message"), REFUSED, ids=[r[0] for r in REFUSED]
)
def test_hostile_file_is_refused_at_the_field_and_the_title_is_kept(
    client_for, enrolled_learner, unit, sandbox, case, filename, data, message
):
    before = tree(sandbox)

    response = post_upload(
        client_for(enrolled_learner), unit, filename, _content(case, data)
    )

    assert response.status_code == 200
    page = parse(response)
    assert any(message in error for error in page.errors), page.errors
    assert page.values["title"] == "My complaint log"
    assert Evidence.objects.count() == 0
    assert tree(sandbox) == before


def test_an_over_limit_file_is_refused_with_the_limit_and_the_title_is_kept(
    client_for, enrolled_learner, unit, sandbox, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 64 * 1024
    before = tree(sandbox)

    response = post_upload(
        client_for(enrolled_learner), unit, "big.txt", b"x" * (64 * 1024 + 1)
    )

    page = parse(response)
    assert any("larger than the 0.1 MB allowed" in e for e in page.errors)
    assert page.values["title"] == "My complaint log"
    assert Evidence.objects.count() == 0
    assert tree(sandbox) == before


# --- stored inertly ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("case", "filename", "data", "shown", "content_type"),
    STORED,
    ids=[s[0] for s in STORED],
)
def test_hostile_name_or_polyglot_is_stored_inertly_and_served_as_a_download(
    client_for,
    enrolled_learner,
    unit,
    sandbox,
    case,
    filename,
    data,
    shown,
    content_type,
):
    client = client_for(enrolled_learner)
    content = _content(case, data)
    before = tree(sandbox)

    response = post_upload(client, unit, filename, content)

    evidence = Evidence.objects.get()
    assert response.status_code == 302
    assert evidence.original_name == shown
    assert evidence.content_type == content_type
    assert re.fullmatch(
        r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.(pdf|txt)", evidence.file.name
    )
    # Only the one stored file appeared, and it is inside MEDIA_ROOT.
    assert tree(sandbox) - before == {f"media/{evidence.file.name}"}
    assert (
        Path(evidence.file.path)
        .resolve()
        .is_relative_to(Path(django_settings.MEDIA_ROOT).resolve())
    )

    for query in ("", "?inline=1"):
        served = client.get(
            reverse("portfolio:evidence-file", args=[evidence.pk]) + query
        )
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == content
        assert served["X-Content-Type-Options"] == "nosniff"
        assert served["Content-Security-Policy"].startswith("sandbox")
        assert served["Cache-Control"].startswith("private")
        assert served["Content-Type"] == content_type
        disposition = served["Content-Disposition"]
        for bad in ("\r", "\n", "/", "\\", "\u202e", "\x00"):
            assert bad not in disposition
        # a download, even when inline viewing is asked for (PDFs can carry script)
        assert disposition == f'attachment; filename="{shown}"'


# --- interrupted, rolled back, racing, repeated ---------------------------------------
def _session_cookie(client, user) -> str:
    client.force_login(user)
    return client.cookies[django_settings.SESSION_COOKIE_NAME].value


def _raw_post(live_server, path: str, cookies: str, body: bytes, send: int) -> bytes:
    """POST `body` announcing its full length but sending only `send` bytes,
    then close our side; return whatever the server answered."""
    host, port = live_server.thread.host, live_server.thread.port
    answer = b""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
                f"Cookie: {cookies}\r\nConnection: close\r\n"
                f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
                f"Content-Length: {len(body)}\r\n\r\n"
            ).encode()
            + body[:send]
        )
        sock.shutdown(socket.SHUT_WR)
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except OSError:
            pass
    return answer


@pytest.mark.django_db(transaction=True)
def test_an_upload_cut_off_mid_body_leaves_no_row_and_no_file(
    client, live_server, enrolled_learner, unit, sandbox
):
    # given: a signed-in learner, a valid CSRF pair and a real PDF
    session = _session_cookie(client, enrolled_learner)
    token = "a" * 32
    cookies = (
        f"{django_settings.SESSION_COOKIE_NAME}={session}; "
        f"{django_settings.CSRF_COOKIE_NAME}={token}"
    )
    path = reverse("portfolio:upload", args=[unit.slug])
    data = _pdf() + b"%" + b"x" * 512 * 1024
    body = multipart({"title": "Sent", "csrfmiddlewaretoken": token}, "r.pdf", data)
    # the same request sent whole is stored (so the cut one is a fair test)
    answer = _raw_post(live_server, path, cookies, body, len(body))
    assert answer.startswith(b"HTTP/1.1 302"), answer[:200]
    kept = Evidence.objects.get()
    before = tree(sandbox)

    # when: the body stops half way (no closing boundary) and the client hangs up
    _raw_post(live_server, path, cookies, body, len(body) // 2)

    # then: nothing more was kept: no row, no file, no temporary file
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and tree(sandbox / "upload-tmp"):
        time.sleep(0.05)
    assert list(Evidence.objects.values_list("pk", flat=True)) == [kept.pk]
    assert tree(sandbox) == before


def test_a_save_that_rolls_back_after_the_file_was_written_leaves_no_file(
    enrolled_learner, centre, unit, sandbox
):
    # given: the caller's own transaction, which will roll back
    before = tree(sandbox)

    with pytest.raises(RuntimeError), transaction.atomic():
        # the service refuses to run where a later rollback could orphan its file
        services.file_upload(
            learner=enrolled_learner,
            centre=centre,
            unit=unit,
            title="Inside a transaction",
            upload=SimpleUploadedFile("notes.txt", TEXT),
        )

    assert Evidence.objects.count() == 0
    assert tree(sandbox) == before


def test_a_failure_after_the_file_is_written_rolls_back_and_deletes_it(
    enrolled_learner, centre, unit, sandbox
):
    # given: a mapping to a marking point that is not in this unit, checked
    # in the same transaction after the file was written
    before = tree(sandbox)

    with pytest.raises(ValidationError):
        services.file_upload(
            learner=enrolled_learner,
            centre=centre,
            unit=unit,
            title="",
            upload=SimpleUploadedFile("notes.txt", TEXT),
            mappings={10**9: "not a point of this unit"},
        )

    assert Evidence.objects.count() == 0
    assert EvidenceRevision.objects.count() == 0
    assert tree(sandbox) == before


def test_a_double_clicked_upload_creates_one_row(
    client_for, enrolled_learner, unit, sandbox
):
    client = client_for(enrolled_learner)
    page = parse(client.get(reverse("portfolio:upload", args=[unit.slug])))
    token = page.values["submit_token"]
    assert uuid.UUID(token)

    first = post_upload(client, unit, "notes.txt", TEXT, submit_token=token)
    second = post_upload(client, unit, "notes.txt", TEXT, submit_token=token)

    evidence = Evidence.objects.get()
    target = reverse("portfolio:evidence-map", args=[evidence.pk])
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == target
    assert tree(Path(django_settings.MEDIA_ROOT)) == {evidence.file.name}


def test_without_a_token_two_posts_are_two_uploads(
    client_for, enrolled_learner, unit, sandbox
):
    client = client_for(enrolled_learner)

    post_upload(client, unit, "notes.txt", TEXT)
    post_upload(client, unit, "notes.txt", TEXT)

    assert Evidence.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_uploads_racing_near_the_quota_never_exceed_it(
    enrolled_learner, centre, unit, sandbox, settings
):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL row locks")
    # given: room for one more file of this size, not two
    payload = TEXT * 100
    settings.EVIDENCE_MAX_PORTFOLIO_BYTES = len(payload) * 3 - 1
    services.file_upload(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Already there",
        upload=SimpleUploadedFile("first.txt", payload),
    )
    barrier = threading.Barrier(4)
    outcomes: list[str] = []

    def upload(n: int) -> None:
        try:
            barrier.wait()
            services.file_upload(
                learner=enrolled_learner,
                centre=centre,
                unit=unit,
                title=f"Racer {n}",
                upload=SimpleUploadedFile(f"racer-{n}.txt", payload),
            )
            outcomes.append("stored")
        except ValidationError as error:
            outcomes.append(error.code or "refused")
        finally:
            connection.close()

    # when: four uploads start at once
    threads = [threading.Thread(target=upload, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    # then: exactly one fitted; the total is within the allowance; no orphans
    assert sorted(outcomes) == ["portfolio_full"] * 3 + ["stored"]
    used = services.portfolio_bytes_used(learner=enrolled_learner, centre=centre)
    assert used == len(payload) * 2 <= settings.EVIDENCE_MAX_PORTFOLIO_BYTES
    stored = {e.file.name for e in Evidence.objects.all()}
    assert tree(Path(settings.MEDIA_ROOT)) == stored
