"""Hostile text, end to end (issue 9): script, HTML and Markdown-link payloads
typed into every learner and staff text field we can reach are inert wherever
they show — on the HTML pages (parsed), in the HTML the portfolio PDF is built
from, in CSV/XLSX report exports (no formula runs) and in emails.

The data is written through the apps' services (which, unlike the forms, do not
refuse markup), so this proves the output side: escaping and sanitising.
"""

import csv
import io
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments import services as assessment_services
from assessments.services import JudgementInput
from centres import services as centre_services
from centres.models import Enrolment
from portfolio import export, services
from portfolio.models import EvidenceKind
from revision.models import MarkingPoint
from tests import factories

PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    '"><svg onload=alert(1)>',
]
HOSTILE = " ".join(PAYLOADS)
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
FORMULA = '=HYPERLINK("http://evil.example","x")'


def hostile(label: str) -> str:
    """A field value: a readable label, then every payload."""
    return f"{label} {HOSTILE}"


class Inertness(HTMLParser):
    """Finds anything in a page that a browser would run or that came from the
    payloads as markup: script elements with a payload, event-handler
    attributes, javascript: URLs, and <img>/<svg> elements the payloads make."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if (
                name in URL_ATTRIBUTES
                and value
                and "javascript:" in value.replace(" ", "").lower()
            ):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "svg" or (tag == "img" and dict(attrs).get("src") == "x"):
            self.problems.append(f"<{tag} {attrs}>")
        self._script = tag == "script"

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        self._script = False

    def handle_data(self, data):
        if self._script and "alert" in data:
            self.problems.append(f"<script>{data[:60]}")
        self.text.append(data)


def inspect(html: str) -> Inertness:
    parser = Inertness()
    parser.feed(html)
    return parser


def assert_inert(html: str, *, shows: list[str], where: str) -> None:
    """No executable markup, and each label in `shows` is on the page (so the
    hostile field really was rendered there)."""
    result = inspect(html)
    assert result.problems == [], f"{where}: {result.problems}"
    text = " ".join(result.text)
    for label in shows:
        assert label in text, f"{where}: {label!r} not shown"


@pytest.fixture
def hostile_world(
    db,
    centre,
    qualification,
    cohort,
    enrolled_learner,
    assessor,
    iqa,
    centre_admin,
    settings,
    tmp_path,
    django_capture_on_commit_callbacks,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    learner = enrolled_learner
    unit = factories.marking_unit(qualification, points=2)
    points = list(MarkingPoint.objects.filter(topic__unit=unit).order_by("position"))
    centre_services.cohort_update(
        cohort=cohort, actor=centre_admin, name=hostile("Cohort name")
    )
    # Names and references from an enrolment import (a formula-like name is
    # refused there, so the formula name is set on the learner directly below).
    upload = centre_services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="learners.csv",
        data=(
            "First name,Last name,Email,Learner reference\n"
            f'"Imported {PAYLOADS[1]}","Shah {PAYLOADS[0]}",imported@example.org,'
            f'"{PAYLOADS[3].replace(chr(34), chr(34) * 2)}"\n'
        ).encode(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        centre_services.enrolment_import_confirm(
            upload=upload, actor=centre_admin, link_base="http://testserver"
        )
    imported = Enrolment.objects.get(learner__email="imported@example.org").learner
    learner.first_name = FORMULA
    learner.last_name = "Learner <script>alert(1)</script>"
    learner.save()

    log = services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title=hostile("Log title"),
        is_draft=False,
        what_happened=hostile("What happened part"),
        what_i_did=hostile("What I did part"),
        outcome=hostile("Outcome part"),
        learned=hostile("Learned part"),
        free_text=hostile("Free text part"),
    )
    witness = services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title=hostile("Witness title"),
        kind=EvidenceKind.WITNESS,
        is_draft=False,
        free_text=hostile("Witness statement"),
        witness_name=hostile("Witness name")[:200],
        witness_role=hostile("Witness role")[:200],
        witness_contact=hostile("Witness contact")[:200],
    )
    file = services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=hostile("File title"),
        upload=SimpleUploadedFile("notes.txt", b"Plain notes from my shift."),
    )
    for evidence in (log, witness, file):
        services.mappings_set(
            evidence=evidence,
            points={p.pk: hostile("Mapping note")[:300] for p in points},
        )
    services.self_assessment_save(
        learner=learner,
        centre=centre,
        unit=unit,
        claims={p.pk: (True, hostile("Self-assessment note")) for p in points},
    )
    submission = services.submission_submit(
        learner=learner,
        centre=centre,
        unit=unit,
        declared_authentic=True,
        ai_use=hostile("AI use text"),
    )

    marking = assessment_services.marking_start(
        assessor=assessor, submission=submission
    )
    marking = assessment_services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: JudgementInput(value=2, comment=hostile("Judgement comment"))
            for p in points
        },
        summative_feedback=hostile("Summative feedback"),
        next_steps=hostile("Next steps"),
    )
    comment = assessment_services.anchored_comment_add(
        assessor=assessor,
        marking=marking,
        evidence_id=log.pk,
        quote="What happened part",
        body=hostile("Anchored comment"),
    )
    assessment_services.anchored_reply_add(
        actor=learner, comment=comment, body=hostile("Anchored reply")
    )
    from config.celery import app

    mail.outbox.clear()
    previous, app.conf.task_always_eager = app.conf.task_always_eager, True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            decision = assessment_services.marking_finalise(
                assessor=assessor, marking=marking, expected_version=marking.version
            )
    finally:
        app.conf.task_always_eager = previous
    return {
        "learner": learner,
        "imported": imported,
        "unit": unit,
        "cohort": cohort,
        "log": log,
        "witness": witness,
        "file": file,
        "submission": submission,
        "decision": decision,
        "marking": marking,
        "upload": upload,
    }


def test_learner_pages_render_every_payload_inert(hostile_world, client_for):
    w = hostile_world
    client = client_for(w["learner"])
    unit = w["unit"].slug
    pages = {
        reverse("portfolio:unit", args=[unit]): ["Log title", "File title"],
        reverse("portfolio:coverage", args=[unit]): ["Log title"],
        reverse("portfolio:evidence-detail", args=[w["log"].pk]): [
            "What happened part",
            "Outcome part",
            "Free text part",
            "Mapping note",
        ],
        reverse("portfolio:evidence-detail", args=[w["witness"].pk]): [
            "Witness name",
            "Witness statement",
        ],
        reverse("portfolio:evidence-detail", args=[w["file"].pk]): ["File title"],
        reverse("portfolio:version-detail", args=[w["learner"].pk, unit, 1]): [
            "AI use text"
        ],
        reverse("portfolio:index"): [],
        reverse("home"): [],
    }
    for url, shows in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), shows=shows, where=url)


def test_staff_pages_render_every_payload_inert(hostile_world, client_for, assessor):
    w = hostile_world
    client = client_for(assessor)
    learner, unit = w["learner"], w["unit"].slug
    pages = {
        reverse("portfolio:learners"): [],
        reverse("portfolio:learner-unit", args=[learner.pk, unit]): ["Log title"],
        reverse("portfolio:evidence-detail", args=[w["log"].pk]): ["Free text part"],
        reverse("portfolio:evidence-detail", args=[w["witness"].pk]): [
            "Witness contact"
        ],
        reverse("portfolio:version-detail", args=[learner.pk, unit, 1]): [
            "AI use text",
            "Self-assessment note",
        ],
        reverse("assessments:queue"): [],
        reverse("assessments:mark", args=[w["submission"].pk]): [
            "What I did part",
            "Anchored comment",
            "Anchored reply",
        ],
        reverse("assessments:decision", args=[w["decision"].pk]): [
            "Summative feedback",
            "Judgement comment",
        ],
        reverse("home"): [],
    }
    for url, shows in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), shows=shows, where=url)


def test_admin_pages_and_reports_render_every_payload_inert(
    hostile_world, client_for, centre_admin
):
    w = hostile_world
    client = client_for(centre_admin)
    cohort = w["cohort"]
    pages = {
        reverse("centres:console"): ["Cohort name"],
        reverse("centres:console-cohort", args=[cohort.pk]): ["Cohort name"],
        reverse("centres:console-import", args=[w["upload"].pk]): ["Imported"],
        reverse("centres:console-log"): [],
        reverse("reports:cohort-progress", args=[cohort.pk]): ["Cohort name"],
        reverse("reports:criteria-heatmap", args=[cohort.pk]): [],
        reverse("reports:workload"): [],
        reverse("portfolio:learners"): ["Learner"],
    }
    for url, shows in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content.decode(), shows=shows, where=url)


def test_the_pdf_is_built_from_escaped_html(hostile_world):
    html = export.export_html(hostile_world["submission"])

    assert_inert(
        html,
        shows=[
            "Log title",
            "What happened part",
            "Witness name",
            "File title",
            "Mapping note",
        ],
        where="export_pdf.html",
    )
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def _csv_cells(response) -> list[str]:
    text = response.content.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_cells(response) -> list:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    return [c.value for row in book.active.iter_rows() for c in row]


@pytest.mark.parametrize("url_name", ["reports:cohort-progress", "reports:workload"])
def test_report_exports_neutralise_formulas(
    hostile_world, client_for, centre_admin, url_name
):
    cohort = hostile_world["cohort"]
    url = (
        reverse(url_name, args=[cohort.pk])
        if url_name == "reports:cohort-progress"
        else reverse(url_name)
    )
    client = client_for(centre_admin)
    for kind, cells_of in (("csv", _csv_cells), ("xlsx", _xlsx_cells)):
        response = client.get(url, {"export": kind})
        assert response.status_code == 200, (url, kind)
        cells = [str(c) for c in cells_of(response) if c is not None]
        assert cells, (url, kind)
        for cell in cells:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), (
                url,
                kind,
                cell,
            )
        if url_name == "reports:cohort-progress":
            # the learner whose name is a formula is there, as text
            assert any(c.startswith("'" + FORMULA) for c in cells), (kind, cells)
            assert any('"><svg onload=alert(1)>' in c for c in cells)


def test_emails_are_plain_text_or_escaped(hostile_world):
    sent = list(mail.outbox)
    assert sent, "releasing the decision should email the learner"
    for message in sent:
        for _content, mimetype in getattr(message, "alternatives", []):
            if mimetype == "text/html":
                assert_inert(_content, shows=[], where=f"email {message.subject}")
        assert message.content_subtype == "plain"
