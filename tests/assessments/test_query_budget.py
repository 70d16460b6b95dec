"""Issue #8's query budget for every marking page: at most 10 SQL statements
(the middleware's user and memberships included; the session comes from the
cache), and the same number at a small and a large data size. Each test pins the exact count, so a new query
on any page shows up here."""

import itertools

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.models import AnchoredComment, CommentBankEntry, Marking
from portfolio import services as portfolio_services
from portfolio.models import Evidence, SuggestedMapping
from revision.models import MarkingPoint
from tests import factories
from tests.assessments.test_views import _bulk_waiting
from tests.bench_guards.querycount import assert_same_query_count, count_queries

BUDGET = 10
_names = itertools.count()


def _learner(centre, cohort):
    learner = factories.member(centre, "learner", username=f"budget{next(_names)}")
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    return learner


def _mark_all(assessor, submission, value):
    marking = services.marking_start(assessor=assessor, submission=submission)
    points = selectors.unit_marking_points(submission.unit_id)
    marking = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: services.JudgementInput(value=value, comment=f"On {p.label}")
            for p in points
        },
        summative_feedback="Clear logs; one point needs a figure.",
    )
    return marking


def decided(*, centre, cohort, qualification, assessor, points=3, logs=1, learner=None):
    """A finalised, released "not yet" decision on a new unit with `points`
    marking points and `logs` logs, each log carrying an anchored comment with a
    reply from the learner."""
    learner = learner or _learner(centre, cohort)
    unit = factories.marking_unit(qualification, points=points)
    submission = factories.submitted_portfolio(
        learner=learner, centre=centre, unit=unit, logs=logs
    )
    marking = _mark_all(assessor, submission, 1)
    for evidence in Evidence.objects.filter(learner=learner, unit=unit):
        comment = services.anchored_comment_add(
            assessor=assessor,
            marking=marking,
            evidence_id=evidence.pk,
            quote="booked a redelivery",
            body="Say when the redelivery happened.",
        )
        services.anchored_reply_add(actor=learner, comment=comment, body="Next day.")
    return services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )


def resubmission_being_marked(*, centre, cohort, unit, assessor, logs):
    """The worst case of the marking screen: version 2 of a portfolio whose every
    log changed since version 1, with the previous marks, suggestions for every
    log and point (one dismissed), anchored comments with replies, and a comment
    bank that grows with the data."""
    learner = _learner(centre, cohort)
    submission = factories.submitted_portfolio(
        learner=learner, centre=centre, unit=unit, logs=logs
    )
    marking = _mark_all(assessor, submission, 1)
    services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )
    logs_ = list(Evidence.objects.filter(learner=learner, unit=unit))
    for log in logs_:
        portfolio_services.log_update(
            evidence=log,
            expected_version=log.version,
            title=log.title,
            is_draft=False,
            what_happened=log.what_happened,
            what_i_did=log.what_i_did + " I rang back the next morning to confirm.",
            outcome=log.outcome,
            learned=log.learned,
        )
    submission = portfolio_services.submission_submit(
        learner=learner, centre=centre, unit=unit, declared_authentic=True
    )
    marking = services.marking_start(assessor=assessor, submission=submission)
    points = list(MarkingPoint.objects.filter(topic__unit=unit))
    for log in Evidence.objects.filter(pk__in=[e.pk for e in logs_]):
        SuggestedMapping.objects.bulk_create(
            SuggestedMapping(
                evidence=log,
                marking_point=point,
                backend="combined",
                score=0.5 + n / 10,
                preselected=n in (0, 1),
                sentences=[log.what_i_did],
                status="dismissed" if n == 2 else "suggested",
                computed_for_hash="h",
            )
            for n, point in enumerate(points)
        )
        comment = services.anchored_comment_add(
            assessor=assessor,
            marking=marking,
            evidence_id=log.pk,
            quote="rang back the next morning",
            body="Good: say what they said.",
        )
        services.anchored_reply_add(actor=learner, comment=comment, body="Thanks.")
        services.anchored_reply_add(actor=assessor, comment=comment, body="Noted.")
        services.comment_bank_add(
            actor=assessor,
            centre=centre,
            roles=frozenset({"assessor"}),
            text=f"Add a figure to log {log.pk}.",
            shared=False,
        )
    return submission


def test_marking_screen_worst_case_pinned_at_both_sizes(
    client_for, assessor, centre, cohort, unit
):
    client = client_for(assessor)
    small = resubmission_being_marked(
        centre=centre, cohort=cohort, unit=unit, assessor=assessor, logs=3
    )
    large = resubmission_being_marked(
        centre=centre, cohort=cohort, unit=unit, assessor=assessor, logs=30
    )
    at_small, _ = count_queries(client, reverse("assessments:mark", args=[small.pk]))
    at_large, queries = count_queries(
        client, reverse("assessments:mark", args=[large.pk])
    )
    # then: every part of the page is there at the large size
    page = client.get(reverse("assessments:mark", args=[large.pk])).text
    assert page.count('class="suggestion-aid') == 2  # MP1 and MP2; MP3 dismissed
    assert page.count("Good: say what they said.") == 30
    assert page.count("Noted.") == 30
    assert page.count('<span class="badge text-bg-warning">Changed</span>') == 30
    assert "Previous marking:" in page
    # the scope check, the version with its history, the evidence, suggestions,
    # points, comments on passages and comment bank, after the middleware's two
    assert at_small == at_large == 9, "\n".join(queries)


def test_marking_screen_before_marking_starts(
    client_for, assessor, centre, cohort, unit
):
    client = client_for(assessor)

    def waiting(logs):
        return factories.submitted_portfolio(
            learner=_learner(centre, cohort), centre=centre, unit=unit, logs=logs
        )

    small, large = waiting(2), waiting(25)
    at_small, _ = count_queries(client, reverse("assessments:mark", args=[small.pk]))
    at_large, _ = count_queries(client, reverse("assessments:mark", args=[large.pk]))
    # the scope check, the version, evidence, suggestions and points after the
    # middleware's two: no comments on passages or comment bank before the form
    assert at_small == at_large == 7
    assert not Marking.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("assessor", 6), ("centre_admin", 7)])
def test_queue_pinned(request, client_for, cohort, centre, unit, role, expected):
    client = client_for(request.getfixturevalue(role))
    start = itertools.count()

    def grow(n):
        _bulk_waiting(cohort, centre, unit, n, offset=next(start) * 1000)

    count = assert_same_query_count(
        client, reverse("assessments:queue"), grow, small=5, large=60
    )
    assert count == expected <= BUDGET


@pytest.mark.parametrize(
    ("url_name", "actor", "expected"),
    [
        ("assessments:decision", "assessor", 5),
        ("assessments:correct", "assessor", 6),
        ("assessments:review", "iqa", 5),
    ],
)
def test_decision_pages_pinned(
    request,
    client_for,
    centre,
    cohort,
    qualification,
    assessor,
    url_name,
    actor,
    expected,
):
    client = client_for(request.getfixturevalue(actor))
    world = {"centre": centre, "cohort": cohort, "qualification": qualification}
    small = decided(**world, assessor=assessor, points=3, logs=1)
    large = decided(**world, assessor=assessor, points=25, logs=12)
    at_small, _ = count_queries(client, reverse(url_name, args=[small.pk]))
    at_large, queries = count_queries(client, reverse(url_name, args=[large.pk]))
    assert at_small == at_large == expected <= BUDGET, "\n".join(queries)


def test_learner_feedback_pinned(client_for, centre, cohort, qualification, assessor):
    world = {"centre": centre, "cohort": cohort, "qualification": qualification}
    small = decided(**world, assessor=assessor, points=3, logs=1)
    large = decided(**world, assessor=assessor, points=25, logs=12)
    at_small, _ = count_queries(
        client_for(small.submission.learner),
        reverse("assessments:feedback", args=[small.submission_id]),
    )
    client = client_for(large.submission.learner)
    url = reverse("assessments:feedback", args=[large.submission_id])
    at_large, queries = count_queries(client, url)
    page = client.get(url).text
    assert page.count("Say when the redelivery happened.") == 12
    assert page.count("Next day.") == 12
    assert at_small == at_large == 5 <= BUDGET, "\n".join(queries)


def test_learner_feedback_list_pinned(
    client_for, centre, cohort, qualification, assessor
):
    learner = _learner(centre, cohort)

    def grow(n):
        for _ in range(n):
            decided(
                centre=centre,
                cohort=cohort,
                qualification=qualification,
                assessor=assessor,
                learner=learner,
            )

    count = assert_same_query_count(
        client_for(learner),
        reverse("assessments:feedback-list"),
        grow,
        small=2,
        large=8,
    )
    assert count == 3 <= BUDGET


def test_releases_pinned(client_for, centre, cohort, qualification, assessor):
    centre.release_requires_check = True
    centre.save()
    world = {"centre": centre, "cohort": cohort, "qualification": qualification}

    def grow(n):
        for _ in range(n):
            decided(**world, assessor=assessor)

    count = assert_same_query_count(
        client_for(assessor), reverse("assessments:releases"), grow, small=2, large=8
    )
    assert count == 3 <= BUDGET


def test_iqa_dashboard_and_action_points_pinned(
    client_for, centre, cohort, qualification, assessor, iqa
):
    world = {"centre": centre, "cohort": cohort, "qualification": qualification}
    others = [factories.member(centre, "assessor", username=f"a{n}") for n in range(8)]
    for other in others:
        cohort.assessors.add(other)

    def grow(n):
        # n more sampled decisions (each a new unit, so each is sampled), by n
        # assessors, half reviewed with a disagreement and an action point.
        for i in range(n):
            decision = decided(**world, assessor=others[i % len(others)])
            assert decision.sampled
            if i % 2:
                services.iqa_review_record(
                    iqa=iqa,
                    roles=frozenset({"iqa"}),
                    decision=decision,
                    verdict="disagree",
                    valid=True,
                    authentic=True,
                    current=True,
                    sufficient=False,
                    comment="Not enough on MP2.",
                    action_points=["Re-check MP2 with the learner."],
                )

    count = assert_same_query_count(
        client_for(iqa), reverse("assessments:iqa"), grow, small=2, large=8
    )
    assert count == 6 <= BUDGET
    count = assert_same_query_count(
        client_for(iqa), reverse("assessments:actions"), grow, small=2, large=8
    )
    assert count == 3 <= BUDGET


def test_comment_bank_pinned(client_for, centre, assessor):
    def grow(n):
        CommentBankEntry.objects.bulk_create(
            CommentBankEntry(centre=centre, owner=assessor, text=f"Reusable {i}")
            for i in range(n)
        )

    count = assert_same_query_count(
        client_for(assessor), reverse("assessments:bank"), grow, small=5, large=50
    )
    assert count == 3 <= BUDGET


def test_anchored_comments_render_with_their_threads(
    client_for, centre, cohort, qualification, assessor
):
    decision = decided(
        centre=centre, cohort=cohort, qualification=qualification, assessor=assessor
    )
    comment = AnchoredComment.objects.get(marking__submission=decision.submission)
    page = client_for(decision.submission.learner).get(
        reverse("assessments:feedback", args=[decision.submission_id])
    )
    assert f'<mark id="passage-{comment.pk}">booked a redelivery</mark>' in page.text
    assert "Next day." in page.text
