"""Text extraction and PDF export, run the way the outbox runs them."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from portfolio import services
from portfolio.models import Evidence, ExportStatus, ExtractionStatus, PortfolioExport
from tests.portfolio import samples


def upload(learner, centre, unit, name, data):
    return services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=name,
        upload=SimpleUploadedFile(name, data),
    )


@pytest.mark.parametrize(
    ("name", "data", "text"),
    [
        (
            "call.pdf",
            samples.pdf_bytes("Complaint resolved within policy."),
            "Complaint resolved within policy.",
        ),
        (
            "call.docx",
            samples.docx_bytes("I followed up the next day."),
            "I followed up the next day.",
        ),
        (
            "call.odt",
            samples.odt_bytes("Witness saw the follow-up."),
            "Witness saw the follow-up.",
        ),
        ("call.txt", b"Plain notes about the call.", "Plain notes about the call."),
    ],
)
def test_text_is_extracted_after_upload(
    enrolled_learner, centre, unit, eager_tasks, name, data, text
):
    with eager_tasks():
        evidence = upload(enrolled_learner, centre, unit, name, data)

    evidence.refresh_from_db()
    assert evidence.extraction_status == ExtractionStatus.DONE
    assert evidence.extracted_text.strip() == text


def test_extraction_is_idempotent(enrolled_learner, centre, unit):
    evidence = upload(enrolled_learner, centre, unit, "n.txt", b"Some notes.")
    services.evidence_extract_text(evidence_id=evidence.pk)
    Evidence.objects.filter(pk=evidence.pk).update(extracted_text="kept")

    services.evidence_extract_text(evidence_id=evidence.pk)

    assert Evidence.objects.get(pk=evidence.pk).extracted_text == "kept"


def test_a_broken_pdf_is_kept_with_failed_extraction(enrolled_learner, centre, unit):
    evidence = upload(
        enrolled_learner, centre, unit, "broken.pdf", b"%PDF-1.7\n" + b"garbage " * 50
    )

    services.evidence_extract_text(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.extraction_status in {
        ExtractionStatus.FAILED,
        ExtractionStatus.EMPTY,
    }
    assert evidence.extracted_text == ""


def test_images_are_not_queued_for_extraction(enrolled_learner, centre, unit):
    evidence = upload(enrolled_learner, centre, unit, "p.png", samples.PNG)

    assert evidence.extraction_status == ExtractionStatus.NOT_APPLICABLE


# --- export -----------------------------------------------------------------------------
def test_the_learner_exports_a_pdf_and_downloads_it(
    client_for, enrolled_learner, centre, unit, eager_tasks
):
    services.log_create(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Refund conversation",
        is_draft=False,
        what_happened="A customer asked for a refund on a faulty toaster.",
    )
    client = client_for(enrolled_learner)

    with eager_tasks():
        response = client.post(
            reverse("portfolio:export-request", args=[enrolled_learner.pk, unit.slug])
        )

    export = PortfolioExport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portfolio:export-status", args=[export.pk])
    assert (export.status, export.progress) == (ExportStatus.DONE, 100)
    status_page = client.get(response["Location"]).content.decode()
    assert reverse("portfolio:export-download", args=[export.pk]) in status_page
    download = client.get(reverse("portfolio:export-download", args=[export.pk]))
    pdf = b"".join(download.streaming_content)
    assert download["Content-Disposition"] == (
        'attachment; filename="portfolio-customer-service.pdf"'
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "Refund conversation" in text
    assert "0 of 4 marking points covered" in text


def test_an_admin_may_export_a_learners_portfolio_but_an_assessor_may_not(
    client_for, centre_admin, assessor, enrolled_learner, unit
):
    url = reverse("portfolio:export-request", args=[enrolled_learner.pk, unit.slug])

    assert client_for(assessor).post(url).status_code == 403
    assert PortfolioExport.objects.count() == 0
    assert client_for(centre_admin).post(url).status_code == 302
    assert PortfolioExport.objects.get().requested_by == centre_admin


def test_the_status_partial_polls_until_done(
    client_for, enrolled_learner, centre, unit
):
    submission = services.submission_ensure(
        learner=enrolled_learner, centre=centre, unit=unit
    )
    export = services.export_request(
        submission=submission, requested_by=enrolled_learner
    )

    body = (
        client_for(enrolled_learner)
        .get(
            reverse("portfolio:export-status", args=[export.pk]),
            headers={"HX-Request": "true"},
        )
        .content.decode()
    )

    assert 'hx-trigger="every 2s"' in body
    assert "<html" not in body


def test_a_docx_with_an_entity_bomb_fails_extraction_safely(
    enrolled_learner, centre, unit
):
    import zipfile as zf

    buffer = io.BytesIO()
    with zf.ZipFile(buffer, "w", zf.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main+xml")
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>',
        )
    evidence = upload(enrolled_learner, centre, unit, "bomb.docx", buffer.getvalue())

    services.evidence_extract_text(evidence_id=evidence.pk)

    evidence.refresh_from_db()
    assert evidence.extraction_status == ExtractionStatus.FAILED
