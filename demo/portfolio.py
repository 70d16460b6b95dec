"""Demo step: portfolios in progress beside the marked ones.

Runs after demo.assessments (which builds submitted, in-marking, returned and
achieved portfolios through marking) and adds, per centre, on a unit those
learners have not started: a rich draft (logs, a generated PDF, a chart image,
a witness testimony, a draft log, mappings and a partial self-assessment), a
freshly submitted portfolio with a DOCX and notes declared with AI use, and a
learner who has only started a draft. It also sets each centre's AI-use level
per unit. Everything goes through the portfolio services. Idempotent: a
learner who already has evidence for the unit is left alone.
"""

import io
import struct
import zipfile
import zlib

from django.core.files.uploadedfile import SimpleUploadedFile

from portfolio import services
from portfolio.models import AiUseLevel, Evidence, Submission, SubmissionStatus
from revision.models import MarkingPoint

LOGS = [
    {
        "title": "Calming a customer whose boiler repair was missed",
        "what_happened": "An elderly customer rang because our engineer had not "
        "arrived for a boiler repair and the house was cold.",
        "what_i_did": "I apologised, checked the engineer's route on the job "
        "system and found the visit had been double-booked. I arranged an "
        "emergency slot the same afternoon and lent two electric heaters from "
        "the depot, following the vulnerable-customer procedure.",
        "outcome": "The boiler was fixed by 5pm. The customer's daughter emailed "
        "to thank the team; our missed-appointment complaints for the month "
        "stayed under the 2% target.",
        "learned": "I now check whether a customer is on the priority register "
        "at the start of the call, so I can offer help sooner.",
    },
    {
        "title": "Explaining a price rise to a small business customer",
        "what_happened": "The owner of a café was angry that her card-machine "
        "fees had gone up without a letter she remembered receiving.",
        "what_i_did": "I found the notice we had sent, walked her through the "
        "new tariff and compared it with a cheaper plan that suited her "
        "takings better.",
        "outcome": "She moved to the cheaper plan, saving about £14 a month, "
        "and withdrew her notice to leave.",
        "learned": "Customers rarely read tariff letters; next time I will "
        "offer to review their plan before they ask.",
    },
]
WITNESS = {
    "title": "Team leader's observation of a complaint call",
    "witness_name": "Joanne Whitfield",
    "witness_role": "Customer service team leader",
    "witness_contact": "joanne.whitfield@example.org",
    "free_text": "I listened to the call on 14 October. The learner stayed calm, "
    "summarised the customer's problem back to them, explained our refund "
    "policy clearly and booked a follow-up call, which they made on time.",
}


def seed(world) -> None:
    units = [
        unit
        for unit in world.data.get("units", [])
        if MarkingPoint.objects.filter(topic__unit=unit).count() >= 2
    ]
    if not units:
        world.say("Portfolios: no units with marking points, skipped")
        return
    made = 0
    for slug, data in world.data["centres"].items():
        centre = data["centre"]
        _policies(centre, units, slug)
        unit = units[2] if len(units) > 2 else units[-1]
        plans = [_rich_draft, _submitted, _just_started]
        for learner, plan in zip(data["learners"], plans, strict=False):
            if Evidence.objects.filter(learner=learner, unit=unit).exists():
                continue
            if (
                Submission.objects.filter(learner=learner, unit=unit)
                .exclude(status=SubmissionStatus.DRAFT)
                .exists()
            ):
                continue
            plan(world, learner, centre, unit)
            made += 1
        made += _missing_states(world, data, centre, unit)
    counts = {
        status: Submission.objects.filter(status=status).count()
        for status in SubmissionStatus.values
    }
    world.say(f"Portfolios: {made} demo portfolios; submissions by status {counts}")


def _missing_states(world, data, centre, unit) -> int:
    """Fill any state demo.assessments did not make (it needs ten free learners
    per centre): in marking, returned and achieved, through the services."""
    present = set(
        Submission.objects.filter(centre=centre).values_list("status", flat=True)
    )
    wanted = [
        s
        for s in (
            SubmissionStatus.IN_MARKING,
            SubmissionStatus.RETURNED,
            SubmissionStatus.ACHIEVED,
        )
        if s not in present
    ]
    spare = [
        learner
        for learner in data["learners"][3:]
        if not Evidence.objects.filter(learner=learner, unit=unit).exists()
    ]
    made = 0
    for status, learner in zip(wanted, spare, strict=False):
        _submitted(world, learner, centre, unit)
        submission = Submission.objects.get(learner=learner, unit=unit)
        if status == SubmissionStatus.IN_MARKING:
            services.submission_start_marking(submission=submission)
        elif status == SubmissionStatus.RETURNED:
            services.submission_start_marking(submission=submission)
            services.submission_return(submission=submission)
            _log(learner, centre, unit, 0, draft=True)
        else:
            services.submission_start_marking(submission=submission)
            services.submission_achieve(submission=submission)
        made += 1
    return made


def _policies(centre, units, slug) -> None:
    levels = (
        [AiUseLevel.ASSISTIVE, AiUseLevel.DISCLOSED, AiUseLevel.ASSISTIVE]
        if slug != "riverside"
        else [AiUseLevel.NONE, AiUseLevel.ASSISTIVE, AiUseLevel.DISCLOSED]
    )
    for unit, level in zip(units, levels, strict=False):
        services.unit_policy_set(centre=centre, unit=unit, ai_use_level=level)


def _points(unit) -> list[MarkingPoint]:
    return list(
        MarkingPoint.objects.filter(topic__unit=unit).order_by(
            "topic__position", "position"
        )
    )


def _log(learner, centre, unit, n: int, *, draft: bool = False) -> Evidence:
    return services.log_create(
        learner=learner, centre=centre, unit=unit, is_draft=draft, **LOGS[n % len(LOGS)]
    )


def _upload(learner, centre, unit, name: str, data: bytes, title: str) -> Evidence:
    return services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=title,
        upload=SimpleUploadedFile(name, data),
    )


def _rich_draft(world, learner, centre, unit) -> None:
    points = _points(unit)
    first = _log(learner, centre, unit, 0)
    services.mappings_set(
        evidence=first,
        points={points[0].pk: "What I did, paragraph 1", points[1].pk: "Outcome"},
    )
    second = _log(learner, centre, unit, 1)
    services.mappings_set(evidence=second, points={points[1].pk: ""})
    pdf = _upload(
        learner,
        centre,
        unit,
        "customer-feedback-summary.pdf",
        _pdf(learner),
        "Customer feedback summary (October)",
    )
    services.mappings_set(evidence=pdf, points={points[-1].pk: "Page 1, table"})
    _upload(learner, centre, unit, "complaints-chart.png", _png(), "Complaints chart")
    witness = services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        kind="witness",
        is_draft=False,
        **WITNESS,
    )
    services.mappings_set(evidence=witness, points={points[0].pk: "Whole statement"})
    services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title="Draft: a difficult phone call",
        what_happened="A customer disputed a late-payment fee on the phone.",
    )
    services.self_assessment_save(
        learner=learner,
        centre=centre,
        unit=unit,
        claims={points[0].pk: (True, "Boiler repair log"), points[1].pk: (True, "")},
    )


def _submitted(world, learner, centre, unit) -> None:
    points = _points(unit)
    log = _log(learner, centre, unit, 1)
    services.mappings_set(
        evidence=log, points={p.pk: "Second paragraph" for p in points[:2]}
    )
    docx = _upload(
        learner,
        centre,
        unit,
        "reflective-account.docx",
        _docx(
            "Reflective account: I reviewed our complaint log for September and "
            "found most repeat calls were about delivery dates."
        ),
        "Reflective account (Word)",
    )
    services.mappings_set(evidence=docx, points={points[-1].pk: "Whole document"})
    _upload(
        learner,
        centre,
        unit,
        "one-to-one-notes.txt",
        b"Notes from my one-to-one with my manager: agreed to shadow the "
        b"complaints desk for two shifts and present what I learned.\n",
        "One-to-one notes",
    )
    services.self_assessment_save(
        learner=learner,
        centre=centre,
        unit=unit,
        claims={p.pk: (True, "See my log") for p in points},
    )
    level = services.ai_level_for(centre=centre, unit=unit)
    services.submission_submit(
        learner=learner,
        centre=centre,
        unit=unit,
        declared_authentic=True,
        ai_use=""
        if level == AiUseLevel.NONE
        else "I used a grammar checker on my reflective account.",
    )


def _just_started(world, learner, centre, unit) -> None:
    services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title="Draft: first week on the help desk",
        what_happened="I shadowed Amir on the help desk and took my first calls.",
    )


# --- small generated files ------------------------------------------------------------------
def _pdf(learner) -> bytes:
    from weasyprint import HTML

    rows = "".join(
        f"<tr><td>{week}</td><td>{score}</td><td>{calls}</td></tr>"
        for week, score, calls in [
            ("Week 1", "8.1", 142),
            ("Week 2", "8.4", 131),
            ("Week 3", "8.9", 118),
            ("Week 4", "9.0", 109),
        ]
    )
    html = (
        "<h1>Customer feedback summary: October</h1>"
        f"<p>Prepared by {learner.get_full_name() or learner.username}.</p>"
        "<p>Average satisfaction rose each week after we introduced call-backs "
        "for unresolved complaints.</p>"
        "<table border='1'><tr><th>Week</th><th>Score (out of 10)</th>"
        f"<th>Calls</th></tr>{rows}</table>"
    )
    return HTML(string=html).write_pdf()


def _png(width: int = 60, height: int = 30) -> bytes:
    """A tiny bar chart: four falling bars, as an RGB PNG."""
    bars = [26, 22, 17, 12]
    raw = bytearray()
    for y in range(height):
        raw.append(0)
        for x in range(width):
            bar = x // 15
            filled = (height - y) <= bars[bar] and x % 15 < 11
            raw += bytes((31, 94, 168) if filled else (255, 255, 255))

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(bytes(raw)))
        + chunk(b"IEND", b"")
    )


def _docx(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.'
            'openxmlformats.org/package/2006/content-types"><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/word/document.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.'
            'wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://'
            'schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p>'
            f"<w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()
