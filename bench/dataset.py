"""Bench-only data on top of the demo world: the objects issue #8 names, at its sizes.

`seed_demo` builds a lived-in world; the benchmark needs a few users with a lot of
data, owned by the users it measures as:

- a learner with 200 items of evidence on one unit (portfolio page, coverage matrix);
- the bench assessor (the first assessor of the first centre) with 2,000 submissions
  waiting in their own cohorts (marking queue; 500 in quick mode);
- a submission with 100 items of evidence by a learner in that assessor's cohort
  (marking screen, and the 100-item PDF export);
- a learner with 5,000 practice reviews and a learner with none (practice page).

Users made here are called `zbench-…` so they sort after the demo's users (the bench
picks "the first learner" by username for the other pages). Evidence, mappings,
reviews and waiting submissions are bulk inserts shaped like the services' rows; the
100-item submission is submitted through `portfolio.services.submission_submit`, so its
version snapshot is the real one. Runs once on the fresh benchmark database, after
`seed_demo`; nothing here changes how the demo behaves.
"""

import uuid
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

PORTFOLIO_LEARNER = "zbench-portfolio-200"
MARKING_LEARNER = "zbench-marking-100"
PRACTICE_HEAVY = "zbench-practice-5000"
PRACTICE_NEW = "zbench-practice-new"
QUEUE_PREFIX = "zbench-queue-"

SIZES = {
    "full": {"portfolio": 200, "marking": 100, "queue": 2000, "reviews": 5000},
    "quick": {"portfolio": 200, "marking": 100, "queue": 500, "reviews": 5000},
}

LOG = {
    "what_happened": "A customer rang because a replacement washing machine had not "
    "arrived on the promised day and she had taken the day off work.",
    "what_i_did": "I apologised, checked the courier's tracking, found the parcel at "
    "the local depot and booked a named-day delivery for the next morning. I "
    "offered a £15 goodwill credit under our service-failure policy.",
    "outcome": "The machine arrived at 9am; the customer accepted the credit and "
    "rated the call 5 out of 5 in the follow-up survey.",
    "learned": "I now check the courier's depot scans before promising a date, and "
    "I note the customer's preferred contact time on the order.",
}


def _user_model():
    from centres.models import User

    return User


def _units_with_points(qualification):
    from revision.models import Unit

    return list(
        Unit.objects.filter(qualification=qualification)
        .annotate(n=Count("topics__marking_points"))
        .filter(n__gt=0)
        .order_by("-n", "pk")
    )


def _learner(username: str, centre, cohort, password_hash: str):
    from centres.models import Enrolment, Membership, Role

    User = _user_model()
    user, _ = User.objects.get_or_create(
        username=username,
        defaults={
            "first_name": "Bench",
            "last_name": username.removeprefix("zbench-").replace("-", " ").title(),
            "email": f"{username}@bench.example.org",
            "password": password_hash,
        },
    )
    Membership.objects.get_or_create(user=user, centre=centre, role=Role.LEARNER)
    Enrolment.objects.get_or_create(
        learner=user, cohort=cohort, defaults={"learner_reference": username[:60]}
    )
    return user


def _bulk_evidence(*, learner, centre, unit, count: int, points: list) -> int:
    """`count` finished reflective logs with their first revision and one or two
    mappings each, as log_create + mappings_set would store them."""
    from portfolio import rendering
    from portfolio.models import Evidence, EvidenceMapping, EvidenceRevision

    body_html = rendering.log_body_html(dict(LOG), "")
    rows = Evidence.objects.bulk_create(
        [
            Evidence(
                learner=learner,
                centre=centre,
                unit=unit,
                kind="log",
                title=f"Log {n + 1}: a late delivery put right",
                is_draft=False,
                body_html=body_html,
                **LOG,
            )
            for n in range(count)
        ],
        batch_size=500,
    )
    if not all(e.pk for e in rows):  # no RETURNING: read the ids back
        rows = list(Evidence.objects.filter(learner=learner, unit=unit).order_by("pk"))
    EvidenceRevision.objects.bulk_create(
        [
            EvidenceRevision(
                evidence=e,
                number=1,
                content={"title": e.title, **LOG, "free_text": "", "is_draft": False},
            )
            for e in rows
        ],
        batch_size=500,
    )
    mappings = []
    for n, evidence in enumerate(rows):
        for point in {points[n % len(points)], points[(n * 7 + 3) % len(points)]}:
            mappings.append(
                EvidenceMapping(
                    evidence=evidence, marking_point=point, note="Second paragraph"
                )
            )
    EvidenceMapping.objects.bulk_create(mappings, batch_size=1000)
    return len(rows)


def _portfolio(ctx, sizes, cohort, unit, points, password_hash) -> dict:
    learner = _learner(PORTFOLIO_LEARNER, ctx.centre, cohort, password_hash)
    made = _bulk_evidence(
        learner=learner,
        centre=ctx.centre,
        unit=unit,
        count=sizes["portfolio"],
        points=points,
    )
    return {"learner": learner.username, "unit": unit.slug, "evidence": made}


def _marking(ctx, sizes, cohort, unit, points, password_hash) -> dict:
    from portfolio import services as portfolio_services

    learner = _learner(MARKING_LEARNER, ctx.centre, cohort, password_hash)
    made = _bulk_evidence(
        learner=learner,
        centre=ctx.centre,
        unit=unit,
        count=sizes["marking"],
        points=points,
    )
    submission = portfolio_services.submission_submit(
        learner=learner,
        centre=ctx.centre,
        unit=unit,
        declared_authentic=True,
        ai_use="None.",
    )
    return {
        "learner": learner.username,
        "submission": submission.pk,
        "evidence": made,
        "unit": unit.slug,
    }


def _queue(ctx, sizes, cohort, units, password_hash) -> dict:
    """Waiting submissions from learners in the assessor's cohort: demo learners
    without a submission on a unit first, then new bench learners."""
    from centres.models import Enrolment, EnrolmentStatus, Membership, Role
    from portfolio.models import Submission, SubmissionVersion

    User = _user_model()
    from assessments import selectors as assessment_selectors

    assessor = ctx.user_for("assessor")
    roles = frozenset({Role.ASSESSOR})
    have = assessment_selectors.queue_summary(
        user=assessor, centre=ctx.centre, roles=roles
    )["total"]
    wanted = max(0, sizes["queue"] - have)
    learner_ids = list(
        Enrolment.objects.filter(cohort=cohort, status=EnrolmentStatus.ACTIVE)
        .exclude(learner__username__startswith="zbench-")
        .order_by("learner_id")
        .values_list("learner_id", flat=True)
    )
    pairs = []  # (learner_id, unit)
    for unit in units:
        taken = set(
            Submission.objects.filter(unit=unit, learner_id__in=learner_ids)
            .values_list("learner_id", flat=True)
            .iterator()
        )
        pairs += [(lid, unit) for lid in learner_ids if lid not in taken]
        if len(pairs) >= wanted:
            break
    pairs = pairs[:wanted]
    new_learners = wanted - len(pairs)
    if new_learners:
        width = len(str(sizes["queue"]))
        User.objects.bulk_create(
            [
                User(
                    username=f"{QUEUE_PREFIX}{n:0{width}d}",
                    first_name="Queue",
                    last_name=f"Learner {n}",
                    email=f"{QUEUE_PREFIX}{n}@bench.example.org",
                    password=password_hash,
                )
                for n in range(new_learners)
            ],
            batch_size=1000,
        )
        ids = list(
            User.objects.filter(username__startswith=QUEUE_PREFIX)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        Membership.objects.bulk_create(
            [
                Membership(user_id=uid, centre=ctx.centre, role=Role.LEARNER)
                for uid in ids
            ],
            batch_size=1000,
        )
        Enrolment.objects.bulk_create(
            [
                Enrolment(learner_id=uid, cohort=cohort, learner_reference=f"Q{uid}")
                for uid in ids
            ],
            batch_size=1000,
        )
        pairs += [(uid, units[0]) for uid in ids]
    now = timezone.now()
    # Oldest first over the last 40 days, so some are past the marking target.
    submissions = [
        Submission(
            learner_id=lid,
            unit=unit,
            centre=ctx.centre,
            status="submitted",
            current_version=1,
            submitted_at=now - timedelta(minutes=29 * n + 17),
        )
        for n, (lid, unit) in enumerate(pairs)
    ]
    Submission.objects.bulk_create(submissions, batch_size=1000)
    if not all(s.pk for s in submissions):
        by_key = {
            (lid, uid): pk
            for pk, lid, uid in Submission.objects.filter(
                learner_id__in=[lid for lid, _ in pairs]
            ).values_list("pk", "learner_id", "unit_id")
        }
        for s in submissions:
            s.pk = by_key[(s.learner_id, s.unit_id)]
    SubmissionVersion.objects.bulk_create(
        [
            SubmissionVersion(
                submission_id=s.pk,
                number=1,
                snapshot={"evidence_ids": [], "evidence": []},
                declared_authentic=True,
            )
            for s in submissions
        ],
        batch_size=1000,
    )
    # One of them being marked by the bench assessor: the soak's "record a mark"
    # saves judgements on it (bench/soak.py).
    from assessments import services as assessment_services

    if submissions:
        assessment_services.marking_start(
            assessor=assessor, submission=Submission.objects.get(pk=submissions[0].pk)
        )
    total = assessment_selectors.queue_summary(
        user=assessor, centre=ctx.centre, roles=roles
    )["total"]
    return {
        "assessor": assessor.username,
        "cohort": cohort.name,
        "waiting": total,
        "added": len(submissions),
        "new_learners": new_learners,
    }


def _practice(ctx, sizes, cohort, password_hash) -> dict:
    """A learner with `reviews` reviews over the past year on the first unit's cards
    (every card seen, about a third due now) and a learner who never practised."""
    from practice import services as practice_services
    from practice.models import Card, CardState, CardStateKind, ReviewLog
    from revision.models import Unit

    unit = Unit.objects.order_by("pk").first()
    practice_services.cards_ensure_for_unit(unit=unit)
    cards = list(Card.objects.filter(unit=unit, retired_at__isnull=True))
    heavy = _learner(PRACTICE_HEAVY, ctx.centre, cohort, password_hash)
    new = _learner(PRACTICE_NEW, ctx.centre, cohort, password_hash)
    now = timezone.now()
    total = sizes["reviews"]
    # Reviews stop yesterday, so today's caps are untouched and the page shows a card.
    start = now - timedelta(days=365)
    span = (timedelta(days=364)).total_seconds()
    logs = []
    for n in range(total):
        card = cards[n % len(cards)]
        first = n < len(cards)
        logs.append(
            ReviewLog(
                learner=heavy,
                card=card,
                unit=unit,
                rating=(3, 3, 4, 2, 3, 1)[n % 6],
                reviewed_at=start + timedelta(seconds=span * n / total),
                token=uuid.uuid4(),
                state_before=None if first else CardStateKind.REVIEW,
                state_after=CardStateKind.REVIEW,
                stability_after=5.0 + n % 40,
                difficulty_after=5.0,
                due_after=start + timedelta(seconds=span * n / total, days=7),
                desired_retention=0.9,
            )
        )
    ReviewLog.objects.bulk_create(logs, batch_size=1000)
    reps = total // len(cards)
    CardState.objects.bulk_create(
        [
            CardState(
                learner=heavy,
                card=card,
                unit=unit,
                state=CardStateKind.REVIEW,
                stability=20.0,
                difficulty=5.0,
                due=now - timedelta(hours=i + 1)
                if i % 3 == 0
                else now + timedelta(days=i + 1),
                last_review=now - timedelta(days=1),
                reps=reps,
                lapses=i % 4,
            )
            for i, card in enumerate(cards)
        ],
        batch_size=1000,
    )
    return {
        "unit": unit.slug,
        "cards": len(cards),
        "heavy_learner": heavy.username,
        "heavy_reviews": ReviewLog.objects.filter(learner=heavy).count(),
        "new_learner": new.username,
        "new_reviews": ReviewLog.objects.filter(learner=new).count(),
    }


def build(ctx, *, mode: str, password: str, say=print) -> dict:
    """Add the bench objects to a freshly seeded world; returns what was made."""
    from centres.models import Cohort

    sizes = SIZES[mode]
    if _user_model().objects.filter(username=PORTFOLIO_LEARNER).exists():
        say("Bench dataset: already built")
        return {"note": "already built"}
    assessor = ctx.user_for("assessor")
    cohort = (
        Cohort.objects.filter(centre=ctx.centre, assessors=assessor)
        .order_by("pk")
        .first()
    )
    if cohort is None:
        raise LookupError(f"{assessor} assesses no cohort at {ctx.centre}")
    units = _units_with_points(cohort.qualification)
    if not units:
        raise LookupError("no unit with marking points")
    unit = units[0]
    from revision.models import MarkingPoint

    points = list(
        MarkingPoint.objects.filter(topic__unit=unit).order_by(
            "topic__position", "position"
        )
    )
    password_hash = make_password(password)
    made = {"sizes": sizes}
    steps = (
        ("portfolio", lambda: _portfolio(ctx, sizes, cohort, unit, points, password_hash)),
        ("marking", lambda: _marking(ctx, sizes, cohort, unit, points, password_hash)),
        ("queue", lambda: _queue(ctx, sizes, cohort, units, password_hash)),
        ("practice", lambda: _practice(ctx, sizes, cohort, password_hash)),
    )  # fmt: skip
    for name, step in steps:
        started = timezone.now()
        with transaction.atomic():
            made[name] = step()
        made[name]["seconds"] = round((timezone.now() - started).total_seconds(), 1)
        say(f"Bench dataset: {name} {made[name]}")
    return made
