"""Every write to a portfolio: evidence, mappings, the submission cycle, exports."""

import hashlib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from centres import caching as versions
from centres import services as centre_services
from centres.models import NotificationKind, User
from outbox import services as outbox_services
from portfolio import caching, extensions, rendering, uploads
from portfolio.models import (
    AiUseLevel,
    Evidence,
    EvidenceKind,
    EvidenceMapping,
    EvidenceRevision,
    ExportStatus,
    ExtractionStatus,
    PortfolioExport,
    SelfAssessment,
    Submission,
    SubmissionStatus,
    SubmissionVersion,
    SuggestedMapping,
    SuggestionStatus,
    UnitPolicy,
)
from revision.models import MarkingPoint, Unit

LOG_FIELDS = ("what_happened", "what_i_did", "outcome", "learned", "free_text")
WITNESS_FIELDS = ("witness_name", "witness_role", "witness_contact")
MAX_TEXT_CHARS = 50_000  # about 8,000 words per part: far beyond any real log


class EditConflict(ValidationError):
    """The evidence was saved elsewhere (another tab) since this copy was loaded."""

    def __init__(self, current: Evidence) -> None:
        super().__init__(
            _(
                "This evidence was changed in another window or tab since you opened"
                " it (now version %(version)s). Your text is kept below: copy what"
                " you need, reload, and save again."
            )
            % {"version": current.version},
            code="conflict",
        )
        self.current = current


# --- helpers ------------------------------------------------------------------------
def _submission_for_update(*, learner, unit: Unit, centre) -> Submission:
    submission, _created = Submission.objects.get_or_create(
        learner=learner, unit=unit, defaults={"centre": centre}
    )
    return Submission.objects.select_for_update().get(pk=submission.pk)


def _require_editable(*, learner, unit: Unit, centre) -> Submission:
    """Lock the learner's submission for the unit and refuse when it is with the
    assessor. Raises PermissionDenied."""
    submission = _submission_for_update(learner=learner, unit=unit, centre=centre)
    if not submission.is_editable:
        raise PermissionDenied(
            _("This unit has been submitted, so its evidence cannot be changed.")
        )
    return submission


def _check_text(fields: dict[str, str]) -> dict[str, str]:
    errors = {}
    for name, value in fields.items():
        if len(value) > MAX_TEXT_CHARS:
            errors[name] = _("Keep this under %(n)s characters.") % {
                "n": f"{MAX_TEXT_CHARS:,}"
            }
    if errors:
        raise ValidationError(errors)
    return fields


def _record_revision(evidence: Evidence) -> EvidenceRevision:
    content: dict[str, Any] = {"title": evidence.title}
    for name in (*LOG_FIELDS, *WITNESS_FIELDS):
        content[name] = getattr(evidence, name)
    content["is_draft"] = evidence.is_draft
    return EvidenceRevision.objects.create(
        evidence=evidence, number=evidence.version, content=content
    )


def _pages_changed(evidence: Evidence) -> None:
    """Retire the cached unit page and coverage matrix showing this evidence."""
    caching.portfolio_changed(learner_id=evidence.learner_id, unit_id=evidence.unit_id)


def _schedule_suggestions(evidence: Evidence) -> None:
    outbox_services.enqueue("portfolio.tasks.evidence_suggest_task", evidence.pk)


# --- logs and witness testimonies -----------------------------------------------------
@transaction.atomic
def log_create(
    *,
    learner,
    centre,
    unit: Unit,
    title: str,
    kind: str = EvidenceKind.LOG,
    is_draft: bool = True,
    **text: str,
) -> Evidence:
    """Create a reflective log (or witness testimony) with its first revision.

    Raises PermissionDenied when the unit is with the assessor, ValidationError
    for bad input.
    """
    if kind not in {EvidenceKind.LOG, EvidenceKind.WITNESS}:
        raise ValueError(kind)
    _require_editable(learner=learner, unit=unit, centre=centre)
    fields = _check_text({k: v for k, v in text.items() if k in LOG_FIELDS})
    witness = {k: v for k, v in text.items() if k in WITNESS_FIELDS}
    evidence = Evidence(
        learner=learner,
        centre=centre,
        unit=unit,
        kind=kind,
        title=title,
        is_draft=is_draft,
        **fields,
        **witness,
    )
    evidence.body_html = rendering.log_body_html(
        evidence.structured_parts, evidence.free_text
    )
    _validate_log(evidence)
    evidence.full_clean()
    evidence.save()
    _record_revision(evidence)
    _pages_changed(evidence)
    if not is_draft:
        _schedule_suggestions(evidence)
    return evidence


def _validate_log(evidence: Evidence) -> None:
    if not evidence.is_draft and not evidence.plain_text.strip():
        raise ValidationError(
            {"free_text": _("Write about what you did before saving the log.")}
        )
    if evidence.kind == EvidenceKind.WITNESS and not evidence.is_draft:
        missing = {
            name: _("Give the witness's %(what)s.") % {"what": label}
            for name, label in (
                ("witness_name", _("name")),
                ("witness_role", _("role")),
                ("witness_contact", _("email or phone number")),
            )
            if not getattr(evidence, name).strip()
        }
        if missing:
            raise ValidationError(missing)


@transaction.atomic
def log_update(
    *,
    evidence: Evidence,
    expected_version: int,
    title: str,
    is_draft: bool,
    **text: str,
) -> Evidence:
    """Save a new version of a log or testimony (autosave and the final save).

    The UPDATE only applies when the stored version is still `expected_version`,
    so two tabs can never silently overwrite each other.
    Raises EditConflict, PermissionDenied (locked), ValidationError.
    """
    if evidence.kind not in {EvidenceKind.LOG, EvidenceKind.WITNESS}:
        raise ValidationError(_("Only logs and testimonies can be edited."))
    _require_editable(
        learner=evidence.learner, unit=evidence.unit, centre=evidence.centre
    )
    current = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if current.is_locked:
        raise PermissionDenied(_("This evidence has been submitted and is read-only."))
    if current.version != expected_version:
        raise EditConflict(current)
    fields = _check_text({k: v for k, v in text.items() if k in LOG_FIELDS})
    witness = {k: v for k, v in text.items() if k in WITNESS_FIELDS}
    for name, value in {**fields, **witness}.items():
        setattr(current, name, value)
    current.title = title
    current.is_draft = is_draft
    current.body_html = rendering.log_body_html(
        current.structured_parts, current.free_text
    )
    _validate_log(current)
    current.full_clean()
    current.version = F("version") + 1
    current.save()
    current.refresh_from_db()
    _record_revision(current)
    _pages_changed(current)
    if not is_draft:
        _schedule_suggestions(current)
    return current


# --- files ----------------------------------------------------------------------------
def portfolio_bytes_used(*, learner, centre) -> int:
    """Total size of the learner's stored files at the centre."""
    return (
        Evidence.objects.filter(
            learner=learner, centre=centre, kind=EvidenceKind.FILE
        ).aggregate(total=Sum("size"))["total"]
        or 0
    )


def file_validate(*, learner, centre, upload: UploadedFile) -> uploads.Detected:
    """Check size and content type before anything is stored.
    Raises ValidationError with the learner-facing reason."""
    size = upload.size or 0
    limit = settings.EVIDENCE_MAX_FILE_BYTES
    if size > limit:
        raise ValidationError(
            _("This file is %(size)s; the largest allowed is %(limit)s.")
            % {"size": _megabytes(size), "limit": _megabytes(limit)},
            code="too_big",
        )
    detected = uploads.detect(upload, size)
    _quota_check(learner=learner, centre=centre, size=size)
    return detected


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _quota_check(*, learner, centre, size: int) -> None:
    used = portfolio_bytes_used(learner=learner, centre=centre)
    allowance = settings.EVIDENCE_MAX_PORTFOLIO_BYTES
    if used + size > allowance:
        raise ValidationError(
            _(
                "Your portfolio has %(left)s of space left and this file is"
                " %(size)s. Remove files you no longer need or ask your centre."
            )
            % {"left": _megabytes(max(allowance - used, 0)), "size": _megabytes(size)},
            code="portfolio_full",
        )


def file_upload(
    *,
    learner,
    centre,
    unit: Unit,
    title: str,
    upload: UploadedFile,
    mappings: dict[int, str] | None = None,
    submit_token=None,
) -> Evidence:
    """Store an uploaded file as evidence after checking it by content, and map
    it to `mappings` ({marking point id: note}) in the same transaction.

    The file is written through the storage API under a random name; if the
    database transaction then fails the stored file is deleted, so a rejected
    or rolled-back upload leaves nothing behind. The transaction is durable
    (never nested in a caller's), because a caller's later rollback would
    otherwise leave the file orphaned.

    `submit_token` (the form's one-time token) makes a repeated POST, such as a
    double-click, return the evidence the first one created instead of a copy.
    The per-portfolio allowance is re-checked under a lock on the learner's
    row, so uploads racing near the limit cannot together exceed it.
    Raises ValidationError, PermissionDenied.
    """
    if submit_token:
        existing = Evidence.objects.filter(
            learner=learner, submit_token=submit_token
        ).first()
        if existing is not None:
            return existing
    detected = file_validate(learner=learner, centre=centre, upload=upload)
    digest = uploads.sha256_of(upload)
    name = uploads.sanitise_name(upload.name or "", detected.extension)
    evidence = Evidence(
        learner=learner,
        centre=centre,
        unit=unit,
        kind=EvidenceKind.FILE,
        title=(title or name)[:200],
        is_draft=False,
        original_name=name,
        content_type=detected.content_type,
        size=upload.size or 0,
        sha256=digest,
        submit_token=submit_token or None,
        extraction_status=(
            ExtractionStatus.PENDING
            if detected.label in {"pdf", "docx", "odt", "txt"}
            else ExtractionStatus.NOT_APPLICABLE
        ),
    )
    upload.seek(0)
    # Storage streams from the temporary upload file in chunks.
    evidence.file.save(f"upload{detected.extension}", upload, save=False)
    stored = evidence.file.name
    try:
        with transaction.atomic(durable=True):
            _require_editable(learner=learner, unit=unit, centre=centre)
            # Serialise this learner's uploads, then re-check the allowance.
            get_user_model().objects.select_for_update().filter(pk=learner.pk).first()
            _quota_check(learner=learner, centre=centre, size=evidence.size)
            evidence.full_clean()
            evidence.save()
            _record_revision(evidence)
            _pages_changed(evidence)
            if mappings:
                mappings_set(evidence=evidence, points=mappings)
            if evidence.extraction_status == ExtractionStatus.PENDING:
                outbox_services.enqueue(
                    "portfolio.tasks.evidence_extract_text_task", evidence.pk
                )
    except BaseException as error:
        evidence.file.storage.delete(stored)
        if submit_token and isinstance(error, (IntegrityError, ValidationError)):
            # A concurrent double-click won the race: answer with its evidence.
            existing = Evidence.objects.filter(
                learner=learner, submit_token=submit_token
            ).first()
            if existing is not None:
                return existing
        raise
    return evidence


@transaction.atomic
def evidence_extract_text(*, evidence_id: int) -> Evidence | None:
    """Extract searchable text from a stored PDF, DOCX, ODT or text file.
    Idempotent: evidence already extracted is left alone."""
    from portfolio import extraction

    evidence = Evidence.objects.select_for_update().filter(pk=evidence_id).first()
    if evidence is None or evidence.extraction_status != ExtractionStatus.PENDING:
        return evidence
    try:
        with evidence.file.open("rb") as handle:
            text = extraction.extract_text(handle, evidence.content_type)
    except extraction.ExtractionError:
        evidence.extraction_status = ExtractionStatus.FAILED
        evidence.save(update_fields=["extraction_status", "updated_at"])
        _pages_changed(evidence)
        return evidence
    evidence.extracted_text = text
    evidence.extraction_status = (
        ExtractionStatus.DONE if text.strip() else ExtractionStatus.EMPTY
    )
    evidence.save(update_fields=["extracted_text", "extraction_status", "updated_at"])
    _pages_changed(evidence)
    if text.strip():
        _schedule_suggestions(evidence)
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence) -> None:
    """Remove evidence the learner no longer wants. Raises PermissionDenied once
    it has been submitted (it is part of a version the assessor saw)."""
    _require_editable(
        learner=evidence.learner, unit=evidence.unit, centre=evidence.centre
    )
    current = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if current.is_locked or _in_any_version(current):
        raise PermissionDenied(
            _("Submitted evidence is kept for the record and cannot be deleted.")
        )
    stored = current.file.name if current.file else ""
    current.delete()
    _pages_changed(current)
    if stored:
        storage = current.file.storage
        transaction.on_commit(lambda: storage.delete(stored))


def _in_any_version(evidence: Evidence) -> bool:
    # A learner has a handful of versions per unit; reading them is cheap and
    # works the same on SQLite and PostgreSQL.
    snapshots = SubmissionVersion.objects.filter(
        submission__learner=evidence.learner, submission__unit=evidence.unit
    ).values_list("snapshot", flat=True)
    return any(evidence.pk in (s.get("evidence_ids") or []) for s in snapshots)


# --- mapping --------------------------------------------------------------------------
def unit_marking_points(unit: Unit):
    return MarkingPoint.objects.filter(topic__unit=unit)


@transaction.atomic
def mappings_set(
    *, evidence: Evidence, points: dict[int, str]
) -> list[EvidenceMapping]:
    """Replace the evidence's mappings with `points` ({marking point id: note}).

    Raises ValidationError when a marking point is not in the evidence's unit,
    PermissionDenied when the evidence is locked.
    """
    _require_editable(
        learner=evidence.learner, unit=evidence.unit, centre=evidence.centre
    )
    current = Evidence.objects.select_for_update().get(pk=evidence.pk)
    if current.is_locked:
        raise PermissionDenied(_("This evidence has been submitted and is read-only."))
    valid = set(
        unit_marking_points(evidence.unit)
        .filter(pk__in=list(points))
        .values_list("pk", flat=True)
    )
    foreign = set(points) - valid
    if foreign:
        raise ValidationError(
            {
                "marking_points": _(
                    "Evidence can only be mapped to this unit's marking points."
                )
            }
        )
    for note in points.values():
        if len(note) > 300:
            raise ValidationError(
                {"marking_points": _("Keep each note under 300 characters.")}
            )
    existing = {m.marking_point_id: m for m in current.mappings.all()}
    current.mappings.exclude(marking_point_id__in=list(points)).delete()
    result = []
    to_create = []
    for point_id, note in points.items():
        mapping = existing.get(point_id)
        if mapping is None:
            to_create.append(
                EvidenceMapping(evidence=current, marking_point_id=point_id, note=note)
            )
        else:
            if mapping.note != note:
                mapping.note = note
                mapping.save(update_fields=["note"])
            result.append(mapping)
    result.extend(EvidenceMapping.objects.bulk_create(to_create))
    SuggestedMapping.objects.filter(
        evidence=current, marking_point_id__in=list(points)
    ).update(status=SuggestionStatus.ACCEPTED)
    current.save(update_fields=["updated_at"])
    _pages_changed(current)
    return result


@transaction.atomic
def suggestion_decide(*, suggestion: SuggestedMapping, accept: bool) -> None:
    """Accept (creates the mapping) or dismiss one suggestion; never both."""
    evidence = suggestion.evidence
    if accept:
        points = dict(evidence.mappings.values_list("marking_point_id", "note"))
        points.setdefault(suggestion.marking_point_id, "")
        mappings_set(evidence=evidence, points=points)
    else:
        _require_editable(
            learner=evidence.learner, unit=evidence.unit, centre=evidence.centre
        )
        suggestion.status = SuggestionStatus.DISMISSED
        suggestion.save(update_fields=["status"])
        _pages_changed(evidence)


# --- self-assessment and submission ------------------------------------------------------
@transaction.atomic
def self_assessment_save(
    *, learner, centre, unit: Unit, claims: dict[int, tuple[bool, str]]
) -> None:
    """Store the learner's working self-assessment ({point id: (claimed, note)}).
    Raises ValidationError for points outside the unit."""
    submission = _require_editable(learner=learner, unit=unit, centre=centre)
    valid = set(unit_marking_points(unit).values_list("pk", flat=True))
    if set(claims) - valid:
        raise ValidationError(
            _("Self-assessment can only cover this unit's marking points.")
        )
    SelfAssessment.objects.filter(
        submission=submission, submission_version__isnull=True
    ).delete()
    SelfAssessment.objects.bulk_create(
        SelfAssessment(
            submission=submission,
            marking_point_id=point_id,
            claimed=claimed,
            note=note[:300],
        )
        for point_id, (claimed, note) in claims.items()
    )


def ai_level_for(*, centre, unit: Unit) -> str:
    policy = UnitPolicy.objects.filter(centre=centre, unit=unit).first()
    return policy.ai_use_level if policy else AiUseLevel.ASSISTIVE


@transaction.atomic
def unit_policy_set(*, centre, unit: Unit, ai_use_level: str) -> UnitPolicy:
    """Set the AI-use level a centre allows for a unit."""
    policy, _created = UnitPolicy.objects.get_or_create(
        centre=centre, unit=unit, defaults={"ai_use_level": ai_use_level}
    )
    policy.ai_use_level = ai_use_level
    policy.full_clean()
    policy.save(update_fields=["ai_use_level"])
    return policy


@transaction.atomic
def submission_submit(
    *,
    learner,
    centre,
    unit: Unit,
    declared_authentic: bool,
    ai_use: str = "",
) -> Submission:
    """Submit the unit's portfolio: take a version snapshot, lock the evidence.

    Raises ValidationError (no declaration, no evidence, AI use against the
    unit's level) and PermissionDenied (already with the assessor).
    """
    submission = _submission_for_update(learner=learner, unit=unit, centre=centre)
    if not submission.is_editable:
        raise ValidationError(
            _("This unit is already %(status)s.")
            % {"status": submission.get_status_display().lower()},
            code="state",
        )
    refusals = extensions.submit_refusals(submission)
    if refusals:
        raise ValidationError(refusals[0], code="refused")
    level = ai_level_for(centre=centre, unit=unit)
    errors: dict[str, str] = {}
    if not declared_authentic:
        errors["declared_authentic"] = _(
            "Confirm that this work is your own before submitting."
        )
    ai_use = ai_use.strip()
    if level == AiUseLevel.NONE and ai_use:
        errors["ai_use"] = _(
            "Your centre does not allow AI tools for this unit. If you used any,"
            " speak to your assessor before submitting."
        )
    if level == AiUseLevel.DISCLOSED and not ai_use:
        errors["ai_use"] = _("Say which AI tools you used and how, or write “None”.")
    if len(ai_use) > 5000:
        errors["ai_use"] = _("Keep this under 5,000 characters.")
    evidence = list(
        Evidence.objects.select_for_update()
        .filter(learner=learner, unit=unit, centre=centre)
        .prefetch_related("mappings")
        .order_by("pk")
    )
    if not evidence:
        errors["__all__"] = _("Add at least one piece of evidence before submitting.")
    elif any(e.is_draft for e in evidence if e.kind != EvidenceKind.FILE):
        errors["__all__"] = _(
            "Finish your draft logs (save them as complete) or delete them before"
            " submitting."
        )
    if errors:
        raise ValidationError(errors)
    number = submission.current_version + 1
    snapshot = {
        "evidence_ids": [e.pk for e in evidence],
        "evidence": [
            {
                "id": e.pk,
                "kind": e.kind,
                "title": e.title,
                "revision": e.version,
                "sha256": e.sha256,
                "mappings": [
                    {"marking_point": m.marking_point_id, "note": m.note}
                    for m in e.mappings.all()
                ],
            }
            for e in evidence
        ],
    }
    drafts = list(
        SelfAssessment.objects.filter(
            submission=submission, submission_version__isnull=True
        )
    )
    version = SubmissionVersion.objects.create(
        submission=submission,
        number=number,
        snapshot=snapshot,
        declared_authentic=True,
        ai_use=ai_use,
        ai_level=level,
        self_assessment={
            str(sa.marking_point_id): {"claimed": sa.claimed, "note": sa.note}
            for sa in drafts
        },
    )
    SelfAssessment.objects.bulk_create(
        SelfAssessment(
            submission=submission,
            submission_version=version,
            marking_point_id=sa.marking_point_id,
            claimed=sa.claimed,
            note=sa.note,
        )
        for sa in drafts
    )
    Evidence.objects.filter(pk__in=[e.pk for e in evidence]).update(is_locked=True)
    _submission_moved(submission)
    submission.status = SubmissionStatus.SUBMITTED
    submission.current_version = number
    submission.submitted_at = timezone.now()
    submission.save(
        update_fields=["status", "current_version", "submitted_at", "updated_at"]
    )
    _submission_received_notify(submission=submission, number=number)
    return submission


def _submission_received_notify(*, submission: Submission, number: int) -> None:
    """A receipt for the learner and a note to the assessors of their cohort (each
    respects the recipient's email preferences; sent through the outbox)."""
    learner, unit = submission.learner, submission.unit
    what = _("version %(n)s of %(unit)s") % {"n": number, "unit": unit.title}
    centre_services.notification_send(
        user=learner,
        kind=NotificationKind.SUBMISSION_RECEIVED,
        subject=_("Received: %(unit)s") % {"unit": unit.title},
        body=_(
            "We have received %(what)s. Your evidence is now locked while your "
            "assessor marks it; you will get an email when feedback is ready."
        )
        % {"what": what},
    )
    assessors = User.objects.filter(
        assessed_cohorts__centre=submission.centre,
        assessed_cohorts__qualification=unit.qualification_id,
        assessed_cohorts__enrolments__learner=learner,
    ).distinct()
    for assessor in assessors:
        centre_services.notification_send(
            user=assessor,
            kind=NotificationKind.SUBMISSION_RECEIVED,
            subject=_("To mark: %(learner)s, %(unit)s")
            % {"learner": learner.get_full_name(), "unit": unit.title},
            body=_("%(learner)s has submitted %(what)s. It is in your marking queue.")
            % {"learner": learner.get_full_name(), "what": what},
        )


def _submission_moved(submission: Submission) -> None:
    """Retire the pages showing where a submission stands: the learner's portfolio
    pages and panels, and the centre's marking queue."""
    caching.portfolio_changed(
        learner_id=submission.learner_id, unit_id=submission.unit_id
    )
    versions.changed(versions.marking(submission.centre_id))


def _transition(
    submission: Submission, allowed_from: Iterable[str], to: str
) -> Submission:
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    if current.status not in set(allowed_from):
        raise ValidationError(
            _("This submission is %(status)s, so it cannot be moved to %(to)s.")
            % {
                "status": current.get_status_display().lower(),
                "to": SubmissionStatus(to).label.lower(),
            },
            code="state",
        )
    current.status = to
    current.save(update_fields=["status", "updated_at"])
    _submission_moved(current)
    return current


@transaction.atomic
def submission_start_marking(*, submission: Submission) -> Submission:
    """An assessor opens the submission. Raises ValidationError unless submitted.
    Idempotent for a submission already in marking."""
    current = Submission.objects.select_for_update().get(pk=submission.pk)
    if current.status == SubmissionStatus.IN_MARKING:
        return current
    return _transition(
        current, {SubmissionStatus.SUBMITTED}, SubmissionStatus.IN_MARKING
    )


@transaction.atomic
def submission_return(*, submission: Submission) -> Submission:
    """Return for more evidence: the learner may edit again and resubmit.
    Raises ValidationError unless submitted or in marking."""
    current = _transition(
        submission,
        {SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING},
        SubmissionStatus.RETURNED,
    )
    Evidence.objects.filter(
        learner=current.learner, unit=current.unit, centre=current.centre
    ).update(is_locked=False)
    outbox_services.enqueue(
        "portfolio.tasks.submission_marked_email_task", current.pk, current.status
    )
    return current


@transaction.atomic
def submission_achieve(*, submission: Submission) -> Submission:
    """Record the unit as achieved; evidence stays read-only for good.
    Raises ValidationError unless submitted or in marking."""
    current = _transition(
        submission,
        {SubmissionStatus.SUBMITTED, SubmissionStatus.IN_MARKING},
        SubmissionStatus.ACHIEVED,
    )
    outbox_services.enqueue(
        "portfolio.tasks.submission_marked_email_task", current.pk, current.status
    )
    return current


# --- export ---------------------------------------------------------------------------
@transaction.atomic
def export_request(*, submission: Submission, requested_by) -> PortfolioExport:
    """Queue a PDF of the unit portfolio. Reuses an export still being built."""
    running = submission.exports.filter(
        status__in=[ExportStatus.PENDING, ExportStatus.RUNNING]
    ).first()
    if running:
        return running
    export = PortfolioExport.objects.create(
        submission=submission, requested_by=requested_by
    )
    outbox_services.enqueue("portfolio.tasks.export_build_task", export.pk)
    return export


# --- notifications --------------------------------------------------------------------
@transaction.atomic
def submission_marked_email(*, submission_id: int, status: str) -> bool:
    """Email the learner that their unit was marked. Returns whether an email went.

    Idempotent: the submission remembers which status and version it last
    announced, under select_for_update, so a resent task sends nothing.
    """
    from django.template.loader import render_to_string
    from django.urls import reverse

    submission = (
        Submission.objects.select_for_update()
        .select_related("learner", "unit")
        .filter(pk=submission_id)
        .first()
    )
    if submission is None or submission.status != status:
        return False
    marker = f"{status}:{submission.current_version}"
    if submission.notified_for == marker or not submission.learner.email:
        return False
    context = {
        "submission": submission,
        "learner": submission.learner,
        "unit": submission.unit,
        "achieved": status == SubmissionStatus.ACHIEVED,
        "url": getattr(settings, "SITE_URL", "").rstrip("/")
        + reverse("portfolio:unit", args=[submission.unit.slug]),
    }
    subject = (
        _("%(unit)s: achieved")
        if context["achieved"]
        else _("%(unit)s: feedback ready")
    ) % {"unit": submission.unit.title}
    # Respects the learner's email preferences; delivered through the outbox.
    centre_services.notification_send(
        user=submission.learner,
        kind=NotificationKind.SUBMISSION_MARKED,
        subject=subject,
        body=render_to_string("portfolio/email/marked.txt", context),
    )
    submission.notified_for = marker
    submission.save(update_fields=["notified_for"])
    return True


# --- criteria suggestions (issue 7) -------------------------------------------------------
SUGGESTIONS_KEPT = 5  # the pre-selected points plus the next best, up to five


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def evidence_suggest(*, evidence_id: int) -> int:
    """Store criteria suggestions for the evidence's current text. Returns how many.

    Idempotent: skipped when suggestions were already computed for this text.
    Accepted or dismissed suggestions keep their status across recomputes. The
    engine runs outside the transaction; the write re-checks the text under
    select_for_update so a newer save is never overwritten with stale results.
    """
    from suggestions import engine

    evidence = Evidence.objects.select_related("unit").filter(pk=evidence_id).first()
    if evidence is None:
        return 0
    digest = text_hash(evidence.plain_text)
    if evidence.suggestions_hash == digest:
        return 0
    result = engine.suggest_for_unit(evidence.plain_text, unit=evidence.unit)
    kept = [
        s
        for s in result.suggestions[:SUGGESTIONS_KEPT]
        if s.marking_point_id is not None and (s.preselect or s.score > 0)
    ]
    with transaction.atomic():
        current = Evidence.objects.select_for_update().get(pk=evidence_id)
        if text_hash(current.plain_text) != digest:
            return 0  # saved again meanwhile; that save queued its own run
        decided = dict(
            SuggestedMapping.objects.filter(evidence=current)
            .exclude(status=SuggestionStatus.SUGGESTED)
            .values_list("marking_point_id", "status")
        )
        SuggestedMapping.objects.filter(evidence=current).delete()
        SuggestedMapping.objects.bulk_create(
            SuggestedMapping(
                evidence=current,
                marking_point_id=s.marking_point_id,
                backend=s.backend or result.backend,
                score=float(s.score),
                preselected=s.preselect,
                sentences=list(s.sentences),
                status=decided.get(s.marking_point_id, SuggestionStatus.SUGGESTED),
                computed_for_hash=digest,
            )
            for s in kept
        )
        current.suggestions_hash = digest
        current.suggestions_backend = result.backend
        current.suggestions_message = (result.message or "")[:300]
        current.save(
            update_fields=[
                "suggestions_hash",
                "suggestions_backend",
                "suggestions_message",
            ]
        )
        _pages_changed(current)
    return len(kept)


@transaction.atomic
def submission_ensure(*, learner, centre, unit: Unit) -> Submission:
    """The learner's submission row for the unit, created as a draft if missing."""
    submission, _created = Submission.objects.get_or_create(
        learner=learner, unit=unit, defaults={"centre": centre}
    )
    return submission
