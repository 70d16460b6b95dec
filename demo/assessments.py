"""Demo step: marking in every state, feedback, corrections, release checks, IQA.

Northgate releases feedback immediately; Riverside needs a second look before
release, so its decisions show "marked" and "ready for release" too. Submissions
are built through the portfolio and assessment services (a dozen per centre), so
every row is one the application itself could have written. Idempotent: a
centre that already has decisions is left alone.
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from assessments import services
from assessments.models import (
    AssessmentDecision,
    CommentBankEntry,
    Marking,
    ResubmissionPolicy,
)
from assessments.services import JudgementInput
from centres.models import Role
from portfolio import services as portfolio_services
from portfolio.models import Submission
from revision.models import MarkingPoint

LOGS = [
    {
        "title": "Resolving a late sofa delivery",
        "what_happened": "A customer rang the contact centre because her sofa had "
        "not arrived on the promised Saturday and nobody had told her why.",
        "what_i_did": "I apologised, checked the courier tracking and found the "
        "van had broken down. I rebooked the first Monday slot and arranged a "
        "£20 goodwill voucher with my team leader's approval.",
        "outcome": "The customer kept her order and rated the call 9 out of 10. "
        "Our repeat-contact rate for delivery issues that week fell from 18% to 12%.",
        "learned": "I will check the courier portal before promising a date, and "
        "tell customers about delays before they have to ring us.",
    },
    {
        "title": "Handling a billing complaint at the branch counter",
        "what_happened": "A regular customer was charged twice for a prescription "
        "delivery and was upset in front of a queue.",
        "what_i_did": "I moved the conversation to the quiet desk, listened "
        "without interrupting, confirmed the double charge on the till record "
        "and processed the refund while he waited.",
        "outcome": "He left satisfied and later posted a positive review. The "
        "branch logged the till fault, which IT fixed within two days.",
        "learned": "Taking an upset customer away from an audience calms things "
        "quickly. Next time I will note the fault reference for the customer.",
    },
    {
        "title": "Improving the returns email template",
        "what_happened": "Customers kept replying to our returns email asking "
        "where to send their parcel.",
        "what_i_did": "I reviewed thirty replies, grouped the questions and "
        "rewrote the template with the address and a step-by-step list, then "
        "asked two colleagues to check it for plain English.",
        "outcome": "Replies asking for the address dropped by about 40% in the "
        "first fortnight, saving the team roughly three hours a week.",
        "learned": "Small wording changes can save real time. I will measure "
        "before and after whenever I change a customer message.",
    },
]

CENTRE_BANK = [
    "Clear, well-structured account of what happened and why you acted as you did.",
    "Add a measurable outcome (a KPI figure or customer score) to show the impact.",
    "Link this to your organisation's policy or procedure by name.",
]
ASSESSOR_BANK = [
    "Good use of a witness testimony to confirm what you did.",
    "Reflect a little more on what you would do differently next time.",
]


def seed(world) -> None:
    units = [
        unit
        for unit in world.data["units"]
        if MarkingPoint.objects.filter(topic__unit=unit).count() >= 2
    ][:2]
    if not units:
        world.say("Marking: no units with marking points, skipped")
        return
    ResubmissionPolicy.objects.get_or_create(
        qualification=world.data["qualification"],
        defaults={
            "max_resubmissions": 2,
            "window_days": 28,
            "authoriser_role": "admin",
        },
    )
    for slug, data in world.data["centres"].items():
        centre = data["centre"]
        if AssessmentDecision.objects.filter(centre=centre).exists():
            continue
        if slug == "riverside" and not centre.release_requires_check:
            centre.release_requires_check = True
            centre.save(update_fields=["release_requires_check"])
        with transaction.atomic():
            _seed_centre(world, data, units)


def _points(unit) -> list[MarkingPoint]:
    return list(
        MarkingPoint.objects.filter(topic__unit=unit).order_by(
            "topic__position", "position"
        )
    )


def _submit(learner, centre, unit, n: int) -> Submission:
    log = LOGS[n % len(LOGS)]
    evidence = portfolio_services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        is_draft=False,
        **log,
    )
    points = _points(unit)
    portfolio_services.mappings_set(
        evidence=evidence,
        points={p.pk: "Paragraph 2" for p in points[: max(1, len(points) - 1)]},
    )
    return portfolio_services.submission_submit(
        learner=learner, centre=centre, unit=unit, declared_authentic=True
    )


def _mark(assessor, submission, values, feedback, next_steps="", finalise=True):
    marking = services.marking_start(assessor=assessor, submission=submission)
    comments = {
        2: "Fully shown: your log gives a clear, specific example.",
        1: "Partly shown: add a measurable result and who benefited.",
        0: "Not yet shown in the evidence submitted.",
    }
    points = _points(submission.unit)
    linked = {
        j.marking_point_id: tuple(e.pk for e in j.evidence.all())
        for j in marking.judgements.prefetch_related("evidence")
    }
    judgements = {
        p.pk: JudgementInput(
            value=v,
            comment=comments[v] if v is not None else "",
            evidence_ids=linked.get(p.pk, ()),
        )
        for p, v in zip(points, values, strict=False)
    }
    marking = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements=judgements,
        summative_feedback=feedback,
        next_steps=next_steps,
    )
    if not finalise:
        return marking
    return services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )


def _release(decision, admin) -> None:
    if decision.centre.release_requires_check:
        services.feedback_mark_ready(actor=decision.assessor, decision=decision)
        services.feedback_release(
            actor=admin, roles=frozenset({Role.ADMIN}), decision=decision
        )


def _seed_centre(world, data, units) -> None:
    centre, staff = data["centre"], data["staff"]
    cohorts = data["cohorts"]
    assessors = {c.pk: c.assessors.first() for c in cohorts}
    CommentBankEntry.objects.bulk_create(
        [
            CommentBankEntry(centre=centre, text=t, created_by=staff["admin"])
            for t in CENTRE_BANK
        ]
        + [
            CommentBankEntry(
                centre=centre, owner=staff[key], text=t, created_by=staff[key]
            )
            for key in ("assessor-1", "assessor-2")
            for t in ASSESSOR_BANK
        ]
    )
    busy = set(
        Submission.objects.filter(centre=centre).values_list("learner_id", flat=True)
    )
    learners = [u for u in data["learners"] if u.pk not in busy][:14]
    if len(learners) < 10:
        world.say(f"{centre.name}: too few free learners for the marking demo")
        return
    enrolment_cohort = {
        e.learner_id: e.cohort_id
        for c in cohorts
        for e in c.enrolments.filter(learner__in=learners)
    }
    made = []
    for n, learner in enumerate(learners):
        unit = units[n % len(units)]
        submission = _submit(learner, centre, unit, n)
        made.append((learner, submission, assessors[enrolment_cohort[learner.pk]]))
    full = lambda s: [2] * len(_points(s.unit))  # noqa: E731
    one_partial = lambda s: [2, 1] + [2] * (len(_points(s.unit)) - 2)  # noqa: E731
    admin = staff["admin"]
    decisions = []

    # 0-1: waiting, one well past the marking target.
    Submission.objects.filter(pk=made[0][1].pk).update(
        submitted_at=timezone.now() - timedelta(days=19)
    )
    Submission.objects.filter(pk=made[1][1].pk).update(
        submitted_at=timezone.now() - timedelta(days=3)
    )
    # 2: a draft in progress.
    _, sub, assessor = made[2]
    _mark(assessor, sub, [2, None], "", finalise=False)
    # 3: not yet achieved, released, acknowledged, with a comment thread.
    learner, sub, assessor = made[3]
    marking = services.marking_start(assessor=assessor, submission=sub)
    evidence_id = marking.submission_version.snapshot["evidence_ids"][0]
    comment = services.anchored_comment_add(
        assessor=assessor,
        marking=marking,
        evidence_id=evidence_id,
        quote=LOGS[3 % len(LOGS)]["what_i_did"].split(".")[0],
        body="Good. Which policy told you how to handle the refund?",
        marking_point_id=_points(sub.unit)[1].pk,
    )
    services.anchored_reply_add(
        actor=learner,
        comment=comment,
        body="Our refunds procedure, section 4 — I will add it to the log.",
    )
    decision = _mark(
        assessor,
        sub,
        one_partial(sub),
        "A confident account. MP2 needs a measurable result.",
        "Add the KPI figure your team leader shared and resubmit.",
    )
    _release(decision, admin)
    services.feedback_acknowledge(learner=learner, decision=decision)
    decisions.append(decision)
    # 4-5: achieved.
    for index in (4, 5):
        _, sub, assessor = made[index]
        decision = _mark(
            assessor, sub, full(sub), "All points fully evidenced. Well done."
        )
        _release(decision, admin)
        decisions.append(decision)
    # 6: not yet, then resubmitted: waiting as version 2.
    learner, sub, assessor = made[6]
    decision = _mark(
        assessor,
        sub,
        one_partial(sub),
        "Nearly there: strengthen MP2.",
        "Add evidence of the outcome for the organisation.",
    )
    _release(decision, admin)
    decisions.append(decision)
    portfolio_services.submission_submit(
        learner=learner, centre=centre, unit=sub.unit, declared_authentic=True
    )
    # 7: corrected (feedback wording, same outcome).
    _, sub, assessor = made[7]
    decision = _mark(assessor, sub, full(sub), "Achieved.")
    _release(decision, admin)
    correction = services.decision_correct(
        actor=assessor,
        decision=decision,
        judgements={
            j.marking_point_id: JudgementInput(
                value=j.value, comment=j.comment, evidence_ids=tuple(j.evidence_ids)
            )
            for j in decision.judgements.all()
        },
        summative_feedback="Achieved. Your witness testimony from the store "
        "manager was especially convincing for MP1.",
        next_steps="",
        reason="Feedback was too brief to help the learner; expanded it.",
    )
    decisions.append(correction)
    # 8-9: held for the second look (Riverside) or released (Northgate).
    for index, ready in ((8, False), (9, True)):
        _, sub, assessor = made[index]
        decision = _mark(assessor, sub, full(sub), "All points evidenced.")
        if centre.release_requires_check and ready:
            services.feedback_mark_ready(actor=assessor, decision=decision)
        decisions.append(decision)

    # IQA: agree, disagree with an open action point, disagree with one closed.
    sampled = [
        d
        for d in AssessmentDecision.objects.filter(centre=centre, sampled=True)
        if not hasattr(d, "iqa_review") and d.assessor_id != staff["iqa"].pk
    ]
    iqa = staff["iqa"]
    roles = frozenset({Role.IQA})
    for n, decision in enumerate(sampled[:3]):
        agree = n == 0
        review = services.iqa_review_record(
            iqa=iqa,
            roles=roles,
            decision=decision,
            verdict="agree" if agree else "disagree",
            valid=True,
            authentic=True,
            current=True,
            sufficient=agree,
            comment="" if agree else "MP2 accepted on thin evidence.",
            action_points=[]
            if agree
            else ["Agree with the learner what would make MP2 sufficient."],
        )
        if n == 2:
            action = review.action_points.get()
            services.action_point_close(
                assessor=decision.assessor,
                action_point=action,
                note="Met the learner; extra witness statement requested.",
            )
    world.say(
        f"{centre.name}: {AssessmentDecision.objects.filter(centre=centre).count()}"
        f" decisions, {Marking.objects.filter(submission__centre=centre).count()}"
        f" markings, {len(sampled)} sampled for IQA"
    )
