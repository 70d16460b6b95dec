"""Uploads: type by content against the allow-list, limits, safe names, and no
file left behind by a refused or rolled-back upload."""

import io
import re
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio import services, uploads
from portfolio.models import Evidence, SubmissionStatus
from tests import factories
from tests.portfolio import samples


def upload_file(name, data, content_type="application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def do_upload(learner, centre, unit, name, data, title="Evidence"):
    return services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=title,
        upload=upload_file(name, data),
    )


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("report.pdf", "pdf", "application/pdf"),
        (
            "reflection.docx",
            "docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("statement.odt", "odt", "application/vnd.oasis.opendocument.text"),
        ("notes.txt", "txt", "text/plain"),
        ("photo.png", "png", "image/png"),
        ("photo.jpg", "jpg", "image/jpeg"),
        ("call.mp3", "mp3", "audio/mpeg"),
        ("call.m4a", "m4a", "audio/mp4"),
        ("demo.mp4", "mp4", "video/mp4"),
    ],
)
def test_allowed_types_are_stored_with_the_type_found_in_the_content(
    enrolled_learner, centre, unit, media_root, name, data, content_type
):
    payload = {
        "pdf": samples.pdf_bytes,
        "docx": samples.docx_bytes,
        "odt": samples.odt_bytes,
        "txt": lambda: "Notes from my one-to-one: café 5 £.".encode(),
        "png": lambda: samples.PNG,
        "jpg": lambda: samples.JPEG,
        "mp3": lambda: samples.MP3,
        "m4a": lambda: samples.M4A,
        "mp4": lambda: samples.MP4,
    }[data]()

    evidence = do_upload(enrolled_learner, centre, unit, name, payload)

    assert evidence.content_type == content_type
    assert evidence.size == len(payload)
    assert evidence.original_name == name
    assert re.fullmatch(r"evidence/\d{4}/\d{2}/[0-9a-f]{32}\.\w+", evidence.file.name)
    assert samples.stored_files(media_root) == [evidence.file.name]


REFUSED = [
    ("invoice.pdf", samples.EXE, "EXE"),
    ("invoice.pdf", samples.ELF, "ELF"),
    ("page.txt", b"<!DOCTYPE html><html><body>hi</body></html>", "Web pages"),
    ("notes.txt", b"<script>alert(document.cookie)</script>", "scripts"),
    ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>', "SVG"),
    ("archive.docx", b"PK\x03\x04" + b"\x00" * 100, "damaged"),
    ("data.bin", bytes(range(256)) * 4, "not accepted"),
]


@pytest.mark.parametrize(("name", "data", "expected"), REFUSED)
def test_forbidden_content_is_refused_and_nothing_is_stored(
    enrolled_learner, centre, unit, media_root, name, data, expected
):
    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, name, data)

    assert expected in error.value.messages[0]
    assert Evidence.objects.count() == 0
    assert samples.stored_files(media_root) == []


def test_a_zip_that_is_not_an_office_document_is_refused(
    enrolled_learner, centre, unit, media_root
):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", samples.EXE)

    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, "essay.docx", buffer.getvalue())

    assert "Only Word (.docx) and OpenDocument (.odt)" in error.value.messages[0]
    assert samples.stored_files(media_root) == []


def test_a_docx_zip_bomb_is_refused(enrolled_learner, centre, unit, media_root):
    # given: a DOCX whose document.xml is 50 MB of zeros (about 50 KB zipped)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main+xml")
        archive.writestr("word/document.xml", b"\x00" * (50 * 1024 * 1024))

    # when
    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, "essay.docx", buffer.getvalue())

    # then
    assert "zip bomb" in error.value.messages[0]
    assert samples.stored_files(media_root) == []


def test_a_zero_byte_file_is_refused(enrolled_learner, centre, unit, media_root):
    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, "empty.pdf", b"")

    assert error.value.messages == ["This file is empty."]
    assert samples.stored_files(media_root) == []


def test_a_file_over_the_size_limit_is_refused(
    enrolled_learner, centre, unit, media_root, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 1024 * 1024
    data = b"%PDF-1.4\n" + b"0" * (2 * 1024 * 1024)

    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, "big.pdf", data)

    assert error.value.messages == [
        "This file is 2.0 MB; the largest allowed is 1.0 MB."
    ]
    assert samples.stored_files(media_root) == []


def test_a_full_portfolio_refuses_more_files(
    enrolled_learner, centre, unit, media_root, settings
):
    settings.EVIDENCE_MAX_PORTFOLIO_BYTES = len(samples.PNG) + 10
    first = do_upload(enrolled_learner, centre, unit, "a.png", samples.PNG)

    with pytest.raises(ValidationError) as error:
        do_upload(enrolled_learner, centre, unit, "b.png", samples.PNG)

    assert "Your portfolio has 0.0 MB of space left" in error.value.messages[0]
    assert samples.stored_files(media_root) == [first.file.name]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.pdf", "evil.pdf"),
        ("report\x00.exe.pdf", "report.exe.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.pdf"),
        ("<script>.pdf", "script.pdf"),
        ("", "evidence.pdf"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_file_names_are_sanitised(given, expected):
    assert uploads.sanitise_name(given, ".pdf") == expected


def test_the_stored_name_takes_the_extension_of_the_content(
    enrolled_learner, centre, unit
):
    evidence = do_upload(enrolled_learner, centre, unit, "photo.pdf", samples.PNG)

    assert evidence.original_name == "photo.png"
    assert evidence.file.name.endswith(".png")


def test_an_upload_to_a_submitted_unit_rolls_back_and_leaves_no_file(
    enrolled_learner, centre, unit, media_root
):
    factories.SubmissionFactory(
        learner=enrolled_learner,
        unit=unit,
        centre=centre,
        status=SubmissionStatus.SUBMITTED,
    )

    with pytest.raises(PermissionDenied):
        do_upload(enrolled_learner, centre, unit, "photo.png", samples.PNG)

    assert Evidence.objects.count() == 0
    assert samples.stored_files(media_root) == []


# --- through the page ------------------------------------------------------------------
def test_a_refused_upload_shows_the_reason_at_the_field_and_keeps_the_title(
    client_for, enrolled_learner, unit, media_root
):
    client = client_for(enrolled_learner)

    response = client.post(
        reverse("portfolio:upload", args=[unit.slug]),
        {
            "title": "My appraisal notes",
            "file": upload_file("appraisal.pdf", samples.EXE),
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert "EXE" in form.errors["file"][0]
    assert 'value="My appraisal notes"' in response.content.decode()
    assert Evidence.objects.count() == 0
    assert samples.stored_files(media_root) == []


def test_an_upload_through_htmx_redirects_to_mapping(
    client_for, enrolled_learner, unit
):
    client = client_for(enrolled_learner)

    response = client.post(
        reverse("portfolio:upload", args=[unit.slug]),
        {"title": "", "file": upload_file("photo.png", samples.PNG)},
        headers={"HX-Request": "true"},
    )

    evidence = Evidence.objects.get()
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse(
        "portfolio:evidence-map", args=[evidence.pk]
    )
    assert evidence.title == "photo.png"


def test_a_large_upload_streams_without_being_held_in_memory(
    enrolled_learner, centre, unit, media_root, settings
):
    import tracemalloc

    from django.core.files.uploadedfile import TemporaryUploadedFile

    # given: a 30 MB PDF-typed upload already spooled to a temporary file, as
    # Django does for anything over FILE_UPLOAD_MAX_MEMORY_SIZE
    size = 30 * 1024 * 1024
    temporary = TemporaryUploadedFile("big.pdf", "application/pdf", size, None)
    temporary.write(b"%PDF-1.7\n")
    chunk = b"0" * (1024 * 1024)
    for _ in range(30):
        temporary.write(chunk)
    temporary.size = temporary.tell()
    temporary.seek(0)

    # when
    tracemalloc.start()
    evidence = services.file_upload(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Big",
        upload=temporary,
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    # then: the peak is a few chunks, not the file
    assert evidence.size == size + 9
    assert (media_root / evidence.file.name).stat().st_size == size + 9
    assert peak < 8 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_deleting_a_file_removes_it_from_storage(
    client_for,
    enrolled_learner,
    centre,
    unit,
    media_root,
    django_capture_on_commit_callbacks,
):
    evidence = do_upload(enrolled_learner, centre, unit, "photo.png", samples.PNG)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(enrolled_learner).post(
            reverse("portfolio:evidence-delete", args=[evidence.pk])
        )

    assert response.status_code == 302
    assert Evidence.objects.count() == 0
    assert samples.stored_files(media_root) == []


def test_another_learner_cannot_delete_a_file(
    client_for, other_learner, enrolled_learner, centre, unit, media_root
):
    evidence = do_upload(enrolled_learner, centre, unit, "photo.png", samples.PNG)

    response = client_for(other_learner).post(
        reverse("portfolio:evidence-delete", args=[evidence.pk])
    )

    assert response.status_code == 404
    assert samples.stored_files(media_root) == [evidence.file.name]


def test_an_oversized_upload_is_stopped_while_it_streams(
    client_for, enrolled_learner, unit, media_root, settings
):
    settings.EVIDENCE_MAX_FILE_BYTES = 1024 * 1024

    response = client_for(enrolled_learner).post(
        reverse("portfolio:upload", args=[unit.slug]),
        {
            "title": "Site visit video",
            "file": upload_file("visit.mp4", samples.MP4 + b"\x00" * (3 * 1024 * 1024)),
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "This file is larger than the 1.0 MB allowed."
    ]
    assert 'value="Site visit video"' in response.content.decode()
    assert Evidence.objects.count() == 0
    assert samples.stored_files(media_root) == []


def test_the_upload_form_still_needs_a_csrf_token(enrolled_learner, unit):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(enrolled_learner)

    response = client.post(
        reverse("portfolio:upload", args=[unit.slug]),
        {"file": upload_file("photo.png", samples.PNG)},
    )

    assert response.status_code == 403
    assert Evidence.objects.count() == 0
