"""What portfolio/ keeps about a person, for subject access and erasure.

Registered with centres.personal_data from PortfolioConfig.ready(). A learner's
export holds every log with its saved versions, their files (the bytes go into the
ZIP), mappings, submissions with each submitted version (declaration, AI use,
self-assessment), suggestions and PDF exports. Erasure replaces the text they wrote
with a notice, blanks witness details and file names, deletes their files and
portfolio PDFs from storage after commit, and keeps the submission rows and version
numbers that assessment decisions point at.
"""

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from centres import personal_data
from centres.models import User
from portfolio.models import (
    Evidence,
    EvidenceKind,
    EvidenceMapping,
    EvidenceRevision,
    PortfolioExport,
    SelfAssessment,
    Submission,
    SubmissionVersion,
    SuggestedMapping,
)

NOTICE = personal_data.ERASED_NOTICE
TEXT_FIELDS = ("what_happened", "what_i_did", "outcome", "learned", "free_text")
WITNESS_FIELDS = ("witness_name", "witness_role", "witness_contact")


def _evidence(user: User):
    return Evidence.objects.filter(learner=user).select_related("unit")


def _exports(user: User):
    return PortfolioExport.objects.filter(submission__learner=user)


def export(user: User) -> dict[str, Any]:
    """Everything the learner wrote or uploaded, and their submissions."""
    evidence = list(
        _evidence(user).prefetch_related("revisions", "mappings__marking_point")
    )
    suggestions = SuggestedMapping.objects.filter(evidence__learner=user)
    submissions = Submission.objects.filter(learner=user).select_related("unit")
    versions = SubmissionVersion.objects.filter(submission__learner=user)
    return {
        "evidence": [
            {
                "id": e.pk,
                "unit": str(e.unit),
                "kind": e.kind,
                "title": e.title,
                "created_at": e.created_at,
                "updated_at": e.updated_at,
                "is_draft": e.is_draft,
                **{name: getattr(e, name) for name in TEXT_FIELDS + WITNESS_FIELDS},
                "file_name": e.original_name,
                "file_type": e.content_type,
                "file_size": e.size,
                "file_sha256": e.sha256,
                "file_in_this_archive": _file_arcname(e) if e.file else "",
                "extracted_text": e.extracted_text,
                "revisions": [
                    {
                        "number": r.number,
                        "content": r.content,
                        "saved_at": r.created_at,
                    }
                    for r in e.revisions.all()
                ],
                "mappings": [
                    {
                        "marking_point": m.marking_point.label,
                        "note": m.note,
                        "mapped_at": m.created_at,
                    }
                    for m in e.mappings.all()
                ],
            }
            for e in evidence
        ],
        "suggestions": [
            {
                "evidence": s.evidence_id,
                "marking_point": s.marking_point_id,
                "sentences": s.sentences,
                "status": s.status,
                "score": s.score,
                "created_at": s.created_at,
            }
            for s in suggestions
        ],
        "submissions": [
            {
                "id": s.pk,
                "unit": str(s.unit),
                "status": s.status,
                "current_version": s.current_version,
                "submitted_at": s.submitted_at,
                "created_at": s.created_at,
                "draft_self_assessment": [
                    {
                        "marking_point": a.marking_point_id,
                        "claimed": a.claimed,
                        "note": a.note,
                    }
                    for a in SelfAssessment.objects.filter(
                        submission=s, submission_version__isnull=True
                    )
                ],
                "versions": [
                    {
                        "number": v.number,
                        "submitted_at": v.created_at,
                        "declared_authentic": v.declared_authentic,
                        "ai_use": v.ai_use,
                        "ai_level": v.ai_level,
                        "self_assessment": v.self_assessment,
                        "snapshot": v.snapshot,
                    }
                    for v in versions
                    if v.submission_id == s.pk
                ],
            }
            for s in submissions
        ],
        "pdf_exports": [
            {
                "id": x.pk,
                "submission": x.submission_id,
                "status": x.status,
                "created_at": x.created_at,
                "finished_at": x.finished_at,
            }
            for x in _exports(user)
        ],
    }


def _file_arcname(evidence: Evidence) -> str:
    name = evidence.original_name or evidence.file.name.rsplit("/", 1)[-1]
    return f"evidence/{evidence.pk}-{name}"


def files(user: User):
    """The learner's uploaded files and portfolio PDFs that are still stored."""
    for e in _evidence(user).exclude(file=""):
        if e.file.storage.exists(e.file.name):
            yield _file_arcname(e), e.file
    for x in _exports(user).exclude(file=""):
        if x.file.storage.exists(x.file.name):
            yield f"pdf-exports/{x.pk}.pdf", x.file


def anonymise(user: User) -> None:
    """Replace the learner's words with a notice; delete their files after commit.

    Rows stay (decisions point at submissions and versions, and judgements name
    evidence by id); every identifying value in them goes.
    """
    evidence = list(_evidence(user))
    for e in evidence:
        if e.file:
            personal_data.file_delete_after_commit(e.file.storage, e.file.name)
        e.title = NOTICE[:200]
        is_text = e.kind != EvidenceKind.FILE
        for name in TEXT_FIELDS:
            setattr(e, name, NOTICE if is_text and name == "what_happened" else "")
        for name in WITNESS_FIELDS:
            setattr(e, name, "")
        e.body_html = f"<p>{NOTICE}</p>" if is_text else ""
        e.original_name = ""
        e.extracted_text = ""
        e.suggestions_message = ""
    Evidence.objects.bulk_update(
        evidence,
        [
            "title",
            *TEXT_FIELDS,
            *WITNESS_FIELDS,
            "body_html",
            "original_name",
            "extracted_text",
            "suggestions_message",
        ],
        batch_size=500,
    )
    revisions = list(EvidenceRevision.objects.filter(evidence__learner=user))
    for r in revisions:
        r.content = {
            **dict.fromkeys(r.content, ""),
            "title": NOTICE,
            "what_happened": NOTICE,
            "is_draft": r.content.get("is_draft", False),
        }
    EvidenceRevision.objects.bulk_update(revisions, ["content"], batch_size=500)
    EvidenceMapping.objects.filter(evidence__learner=user).update(note="")
    SuggestedMapping.objects.filter(evidence__learner=user).update(sentences=[])
    SelfAssessment.objects.filter(submission__learner=user).update(note="")

    # Submitted versions are otherwise never changed; erasure is the one exception,
    # and it keeps ids, revision numbers, hashes, claims and mapped points.
    versions = list(SubmissionVersion.objects.filter(submission__learner=user))
    for v in versions:
        v.ai_use = NOTICE if v.ai_use else ""
        v.self_assessment = {
            point: {**claim, "note": ""} for point, claim in v.self_assessment.items()
        }
        v.snapshot = {
            **v.snapshot,
            "evidence": [
                {
                    **item,
                    "title": NOTICE,
                    "mappings": [{**m, "note": ""} for m in item.get("mappings", [])],
                }
                for item in v.snapshot.get("evidence", [])
            ],
        }
    SubmissionVersion.objects.bulk_update(
        versions, ["ai_use", "self_assessment", "snapshot"], batch_size=500
    )

    # A portfolio PDF is a copy of the evidence: nothing to keep.
    for x in _exports(user).exclude(file=""):
        personal_data.file_delete_after_commit(x.file.storage, x.file.name)
    _exports(user).delete()


def summary(user: User) -> dict[str, list[tuple[Any, int]]]:
    texts = _evidence(user).filter(~Q(kind=EvidenceKind.FILE)).count()
    stored = _evidence(user).exclude(file="").count()
    return {
        "removed": [
            (_("Text of reflective logs and witness testimonies"), texts),
            (_("Uploaded evidence files"), stored),
            (_("Portfolio PDFs"), _exports(user).count()),
        ],
        "kept": [
            (
                _("Submissions and submitted versions (without the text)"),
                SubmissionVersion.objects.filter(submission__learner=user).count(),
            ),
        ],
    }


def register() -> None:
    personal_data.register(
        "portfolio", export=export, files=files, anonymise=anonymise, summary=summary
    )
