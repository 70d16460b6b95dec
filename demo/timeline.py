"""Demo step: spread the world's history over the last eight weeks.

Every earlier step writes through the services, so everything is stamped "now".
This step (run last) moves those timestamps back to a believable history: staff
and enrolments from about ten weeks ago, evidence written over the following
weeks, submissions waiting between one and nineteen days (two past the marking
target), decisions a few days after submission, releases and acknowledgements
after that, IQA reviews after the decisions and the admin log spread across the
term. Practice history is built with its own dates (demo.practice).

Only plain timestamps are changed, with queryset updates. Audit entries are never
touched: their time is part of their hash. Decisions stay inside the current
sampling quarter, because their stored sample reasons say "first this quarter".

Idempotent: a centre whose creation date is already in the past (more than a week)
has been spread out before and is left alone.
"""

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from assessments import sampling
from assessments.models import (
    AnchoredComment,
    AnchoredReply,
    AssessmentDecision,
    FeedbackRelease,
    IqaActionPoint,
    IqaReview,
    Marking,
)
from centres.models import AdminAction, AdminEvent, Cohort, Enrolment, Membership
from portfolio.models import (
    Evidence,
    EvidenceMapping,
    EvidenceRevision,
    Submission,
    SubmissionVersion,
)

# Calendar days a waiting submission has been in the queue, in submission order.
# The first two are past a ten-working-day marking target.
WAITING_DAYS = [19, 16, 9, 4, 2, 1, 6, 3, 11, 5]


def seed(world) -> None:
    now = timezone.now()
    for slug, data in world.data["centres"].items():
        centre = data["centre"]
        centre.refresh_from_db(fields=["created_at"])
        if centre.created_at < now - timedelta(days=7):
            continue
        rng = random.Random(f"timeline-{slug}")  # noqa: S311
        with transaction.atomic():
            moved = _spread_centre(centre, now, rng)
        world.say(f"{centre.name}: history spread over eight weeks ({moved} rows)")


class _Clock:
    """Working-hours moments counted back from now, never in the future."""

    def __init__(self, now: datetime, rng: random.Random):
        self.now = now
        self.rng = rng
        self.today = timezone.localdate(now)
        self.quarter_start = timezone.make_aware(
            datetime.combine(sampling.period_start(self.today), time(0, 5))
        )

    def days_ago(self, days: float, *, not_before: datetime | None = None) -> datetime:
        day = self.today - timedelta(days=int(days))
        hour = 9 + self.rng.randint(0, 7)
        moment = timezone.make_aware(
            datetime.combine(day, time(hour, self.rng.randint(0, 59)))
        )
        if not_before is not None and moment <= not_before:
            moment = not_before + timedelta(minutes=self.rng.randint(20, 90))
        return min(moment, self.now - timedelta(minutes=5))


def _spread_centre(centre, now, rng) -> int:
    clock = _Clock(now, rng)
    moved = 0
    founded = clock.days_ago(70)
    type(centre).objects.filter(pk=centre.pk).update(created_at=founded)
    moved += Cohort.objects.filter(centre=centre).update(created_at=founded)
    moved += Membership.objects.filter(centre=centre).update(
        created_at=clock.days_ago(68)
    )
    for n, enrolment_id in enumerate(
        Enrolment.objects.filter(cohort__centre=centre)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        Enrolment.objects.filter(pk=enrolment_id).update(
            enrolled_at=clock.days_ago(63 - (n % 8))
        )
        moved += 1
    moved += _spread_admin_log(centre, clock)
    waiting = iter(WAITING_DAYS * 10)
    submissions = Submission.objects.filter(centre=centre).order_by("pk")
    for submission in submissions:
        moved += _spread_submission(submission, clock, waiting)
    # Evidence not yet in any submission: drafts written over the last weeks.
    for evidence_id in (
        Evidence.objects.filter(
            centre=centre, created_at__gte=clock.now - timedelta(days=1)
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        created = clock.days_ago(rng.randint(8, 30))
        updated = clock.days_ago(rng.randint(0, 6), not_before=created)
        moved += _move_evidence([evidence_id], created, updated)
    return moved


def _spread_admin_log(centre, clock) -> int:
    """Spread the admin log's actions over the weeks, keeping an import's
    enrolments with the import itself (a second apart), as the console made them."""
    rows = AdminEvent.objects.filter(centre=centre).order_by("pk")
    actions: list[list[int]] = []
    previous = None
    for pk, action, cohort_id, detail in rows.values_list(
        "pk", "action", "cohort_id", "detail"
    ):
        from_import = (
            action == AdminAction.LEARNER_ENROLLED
            and detail.startswith("From import")
            and previous
            in {(AdminAction.LEARNERS_IMPORTED, cohort_id), (action, cohort_id)}
        )
        if not from_import:
            actions.append([])
        actions[-1].append(pk)
        previous = (action, cohort_id)
    for n, ids in enumerate(actions):
        moment = clock.days_ago(56 - (54 * n) // max(1, len(actions) - 1))
        for offset, pk in enumerate(ids):
            AdminEvent.objects.filter(pk=pk).update(
                created_at=moment + timedelta(seconds=offset)
            )
    return sum(map(len, actions))


def _move_evidence(ids, created, updated) -> int:
    if not ids:
        return 0
    EvidenceRevision.objects.filter(evidence_id__in=ids).update(created_at=created)
    EvidenceMapping.objects.filter(evidence_id__in=ids).update(created_at=created)
    return Evidence.objects.filter(pk__in=ids).update(
        created_at=created, updated_at=updated
    )


def _spread_submission(submission, clock, waiting) -> int:
    rng = clock.rng
    versions = list(submission.versions.order_by("number"))
    markings = {
        m.submission_version_id: m
        for m in Marking.objects.filter(submission=submission).order_by("pk")
    }
    decisions = list(
        AssessmentDecision.objects.filter(submission=submission).order_by("pk")
    )
    evidence_ids = list(
        Evidence.objects.filter(
            learner_id=submission.learner_id, unit_id=submission.unit_id
        ).values_list("pk", flat=True)
    )
    if not versions:
        # A draft portfolio: each piece written on its own day over the last month,
        # some still changing.
        started = clock.days_ago(rng.randint(10, 30))
        first, last = started, started
        for evidence_id in sorted(evidence_ids):
            created = clock.days_ago(rng.randint(10, 30))
            updated = clock.days_ago(rng.randint(0, 9), not_before=created)
            _move_evidence([evidence_id], created, updated)
            first, last = min(first, created), max(last, updated)
        Submission.objects.filter(pk=submission.pk).update(
            created_at=first, updated_at=last
        )
        return len(evidence_ids) + 1

    # When each version was submitted (days ago), working back from the newest.
    last = versions[-1]
    last_marking = markings.get(last.pk)
    if last_marking is None:
        newest = next(waiting)  # waiting in the queue
    elif last_marking.finalised_at is None:
        newest = rng.randint(3, 7)  # being marked now
    else:
        newest = rng.randint(12, 30)  # marked: submitted a few weeks ago
    ages = [newest]
    for _version in versions[:-1]:
        ages.insert(0, ages[0] + rng.randint(14, 21))
    first_age = ages[0]
    # Each piece written on its own day in the weeks before the first submission.
    evidence_created = clock.days_ago(first_age + 7)
    for evidence_id in sorted(evidence_ids):
        age = first_age + rng.randint(2, 20)
        created = clock.days_ago(age)
        updated = clock.days_ago(rng.randint(first_age + 1, age), not_before=created)
        _move_evidence([evidence_id], created, updated)
        evidence_created = min(evidence_created, created)
    moved = len(evidence_ids)

    submitted_at = None
    last_moment = evidence_created
    decision_at = {}
    for version, age in zip(versions, ages, strict=True):
        submitted_at = clock.days_ago(age, not_before=last_moment)
        SubmissionVersion.objects.filter(pk=version.pk).update(created_at=submitted_at)
        last_moment = submitted_at
        marking = markings.get(version.pk)
        if marking is None:
            continue
        started = clock.days_ago(
            max(0, age - rng.randint(2, 6)), not_before=submitted_at
        )
        if marking.finalised_at is None:
            started = clock.days_ago(1, not_before=submitted_at)
            Marking.objects.filter(pk=marking.pk).update(
                started_at=started, updated_at=started + timedelta(minutes=40)
            )
            last_moment = started
            continue
        # Decisions stay inside this sampling quarter (their reasons say so).
        started = max(started, clock.quarter_start)
        finalised = started + timedelta(minutes=rng.randint(35, 80))
        finalised = min(finalised, clock.now - timedelta(minutes=5))
        Marking.objects.filter(pk=marking.pk).update(
            started_at=started, updated_at=finalised, finalised_at=finalised
        )
        comments = AnchoredComment.objects.filter(marking=marking)
        comments.update(created_at=started + timedelta(minutes=10))
        AnchoredReply.objects.filter(comment__marking=marking).update(
            created_at=clock.days_ago(age - 1, not_before=finalised)
            if age > 1
            else finalised + timedelta(minutes=30)
        )
        for decision in decisions:
            if decision.submission_version_id == version.pk:
                decision_at[decision.pk] = finalised
        last_moment = finalised
    # Corrections come a couple of days after the decision they correct.
    for decision in decisions:
        if decision.supersedes_id and decision.supersedes_id in decision_at:
            decision_at[decision.pk] = clock.days_ago(
                max(
                    0,
                    (
                        clock.today
                        - timezone.localdate(decision_at[decision.supersedes_id])
                    ).days
                    - 2,
                ),
                not_before=decision_at[decision.supersedes_id],
            )
    for decision_id, moment in decision_at.items():
        AssessmentDecision.objects.filter(pk=decision_id).update(created_at=moment)
        moved += 1
        _spread_after_decision(decision_id, moment, clock)

    # Evidence of a returned or achieved unit last changed when it was submitted.
    Submission.objects.filter(pk=submission.pk).update(
        submitted_at=submitted_at,
        created_at=evidence_created,
        updated_at=max([last_moment, *decision_at.values()]),
    )
    return moved + len(versions) + 1


def _spread_after_decision(decision_id, decided, clock) -> None:
    rng = clock.rng
    release = FeedbackRelease.objects.filter(decision_id=decision_id).first()
    if release is not None:
        updates = {}
        moment = decided
        if release.ready_at:
            moment = moment + timedelta(hours=rng.randint(1, 20))
            updates["ready_at"] = min(moment, clock.now - timedelta(minutes=4))
        if release.released_at:
            moment = moment + timedelta(hours=rng.randint(1, 20))
            updates["released_at"] = min(moment, clock.now - timedelta(minutes=3))
        if release.acknowledged_at:
            moment = moment + timedelta(hours=rng.randint(6, 40))
            updates["acknowledged_at"] = min(moment, clock.now - timedelta(minutes=2))
        if updates:
            FeedbackRelease.objects.filter(pk=release.pk).update(**updates)
    review = IqaReview.objects.filter(decision_id=decision_id).first()
    if review is not None:
        reviewed = min(
            decided + timedelta(days=rng.randint(2, 5)),
            clock.now - timedelta(minutes=10),
        )
        IqaReview.objects.filter(pk=review.pk).update(created_at=reviewed)
        IqaActionPoint.objects.filter(review=review).filter(~Q(closed_at=None)).update(
            closed_at=min(
                reviewed + timedelta(days=rng.randint(1, 3)),
                clock.now - timedelta(minutes=1),
            )
        )
