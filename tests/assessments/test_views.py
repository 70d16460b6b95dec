"""Pages: permissions, the queue's query count, the marking screen's conflict
handling, learner feedback and the IQA pages."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from assessments import services
from assessments.models import AssessmentDecision, Marking, MarkingJudgement
from portfolio.models import Submission, SubmissionVersion
from tests import factories


def form_data(points, values, version, **extra):
    data = {"version": str(version), "point": [str(p.pk) for p in points]}
    for p, v in zip(points, values, strict=True):
        data[f"value-{p.pk}"] = "" if v is None else str(v)
        data[f"comment-{p.pk}"] = f"Comment on {p.label}"
    data.update(extra)
    return data


def test_learner_cannot_reach_the_queue_or_mark(
    client_for, enrolled_learner, submission
):
    client = client_for(enrolled_learner)
    assert client.get(reverse("assessments:queue")).status_code == 403
    response = client.post(reverse("assessments:start", args=[submission.pk]))
    assert response.status_code == 403
    assert not Marking.objects.exists()


def test_assessor_of_another_cohort_gets_404(
    client_for, centre, qualification, submission
):
    outsider = factories.member(centre, "assessor", username="outsider")
    factories.CohortFactory(centre=centre, qualification=qualification).assessors.add(
        outsider
    )
    client = client_for(outsider)
    assert (
        client.get(reverse("assessments:mark", args=[submission.pk])).status_code == 404
    )
    assert (
        client.post(reverse("assessments:start", args=[submission.pk])).status_code
        == 404
    )
    submission.refresh_from_db()
    assert submission.status == "submitted"
    assert "Nothing is waiting" in client.get(reverse("assessments:queue")).text


def test_other_centre_admin_gets_404(client_for, other_admin, submission):
    client = client_for(other_admin)
    assert (
        client.get(reverse("assessments:mark", args=[submission.pk])).status_code == 404
    )


def test_queue_lists_waiting_submissions_with_days_and_counts(
    client_for, assessor, submission
):
    response = client_for(assessor).get(reverse("assessments:queue"))
    assert response.status_code == 200
    assert str(submission.learner) in response.text
    assert response.context["queue"].total == 1
    assert response.context["queue"].rows[0].target_days == 10


def _bulk_waiting(learner_cohort, centre, unit, n, offset=0):
    """n waiting submissions from n enrolled learners (bulk inserts)."""
    learners = [
        factories.member(centre, "learner", username=f"bulk{i}")
        for i in range(offset, offset + n)
    ]
    for learner in learners:
        factories.EnrolmentFactory(learner=learner, cohort=learner_cohort)
    from django.utils import timezone

    subs = Submission.objects.bulk_create(
        Submission(
            learner=learner,
            unit=unit,
            centre=centre,
            status="submitted",
            current_version=1,
            submitted_at=timezone.now(),
        )
        for learner in learners
    )
    SubmissionVersion.objects.bulk_create(
        SubmissionVersion(submission=s, number=1, snapshot={"evidence_ids": []})
        for s in subs
    )


@pytest.mark.parametrize("role", ["assessor", "centre_admin"])
def test_queue_query_count_is_constant(
    request, settings, client_for, cohort, centre, unit, role
):
    settings.PAGE_CACHE = False  # count the page built afresh each time
    client = client_for(request.getfixturevalue(role))
    url = reverse("assessments:queue")
    _bulk_waiting(cohort, centre, unit, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _bulk_waiting(cohort, centre, unit, 60, offset=3)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert response.context["queue"].total == 63
    assert len(large) == len(small)


def test_marking_screen_query_count_is_constant(
    client_for, assessor, enrolled_learner, centre, unit, points
):
    small_sub = factories.submitted_portfolio(
        learner=enrolled_learner, centre=centre, unit=unit, logs=2
    )
    services.marking_start(assessor=assessor, submission=small_sub)
    client = client_for(assessor)
    with CaptureQueriesContext(connection) as small:
        assert (
            client.get(reverse("assessments:mark", args=[small_sub.pk])).status_code
            == 200
        )
    other = factories.member(centre, "learner", username="bigportfolio")
    factories.EnrolmentFactory(
        learner=other, cohort=enrolled_learner.enrolments.get().cohort
    )
    big_sub = factories.submitted_portfolio(
        learner=other, centre=centre, unit=unit, logs=20
    )
    services.marking_start(assessor=assessor, submission=big_sub)
    with CaptureQueriesContext(connection) as large:
        assert (
            client.get(reverse("assessments:mark", args=[big_sub.pk])).status_code
            == 200
        )
    assert len(large) == len(small)


def test_autosave_then_stale_save_refused_and_typed_text_kept(
    client_for, assessor, submission, points
):
    services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    url = reverse("assessments:save", args=[submission.pk])
    first = client.post(
        url, form_data(points, [2, None, None], 1), headers={"HX-Request": "true"}
    )
    assert first.status_code == 200
    assert "Draft saved" in first.text
    assert 'value="2"' in first.text  # the new version for the next save
    # A second tab still at version 1 saves with a full (no-JS) post.
    stale = client.post(
        url,
        form_data(points, [1, None, None], 1, summative_feedback="My careful feedback"),
    )
    assert stale.status_code == 409
    assert "since you opened it" in stale.text
    assert "My careful feedback" in stale.text  # typed text kept on the page
    assert "Save my version over theirs" in stale.text
    marking = Marking.objects.get()
    assert (marking.version, marking.summative_feedback) == (2, "")
    assert MarkingJudgement.objects.get(marking_point=points[0]).value == 2


def test_bad_judgement_through_the_page_is_refused_with_typed_text_kept(
    client_for, assessor, submission, points
):
    services.marking_start(assessor=assessor, submission=submission)
    response = client_for(assessor).post(
        reverse("assessments:save", args=[submission.pk]),
        form_data(points, [2, 5, 2], 1, summative_feedback="Kept text"),
    )
    assert response.status_code == 400
    assert "is not on the scale" in response.text
    assert "Kept text" in response.text
    assert Marking.objects.get().version == 1


def test_finalise_through_the_page_and_learner_sees_feedback(
    client_for, assessor, submission, points, enrolled_learner
):
    services.marking_start(assessor=assessor, submission=submission)
    response = client_for(assessor).post(
        reverse("assessments:save", args=[submission.pk]),
        form_data(points, [2, 1, 2], 1, action="finalise", summative_feedback="Good."),
    )
    decision = AssessmentDecision.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("assessments:decision", args=[decision.pk])
    client = client_for(enrolled_learner)
    page = client.get(reverse("assessments:feedback", args=[submission.pk]))
    assert page.status_code == 200
    assert "Not yet achieved, resubmit" in page.text
    assert "Partially evidenced" in page.text
    client.post(reverse("assessments:acknowledge", args=[submission.pk]))
    decision.release.refresh_from_db()
    assert decision.release.acknowledged_at is not None


def test_learner_sees_no_feedback_before_release(
    client_for, assessor, submission, points, enrolled_learner, centre
):
    centre.release_requires_check = True
    centre.save()
    services.marking_start(assessor=assessor, submission=submission)
    client_for(assessor).post(
        reverse("assessments:save", args=[submission.pk]),
        form_data(points, [2, 2, 2], 1, action="finalise"),
    )
    page = client_for(enrolled_learner).get(
        reverse("assessments:feedback", args=[submission.pk])
    )
    assert page.status_code == 404


def test_other_learner_cannot_read_feedback(
    client_for, assessor, submission, points, centre
):
    services.marking_start(assessor=assessor, submission=submission)
    client_for(assessor).post(
        reverse("assessments:save", args=[submission.pk]),
        form_data(points, [2, 2, 2], 1, action="finalise"),
    )
    nosy = factories.member(centre, "learner", username="nosy")
    page = client_for(nosy).get(reverse("assessments:feedback", args=[submission.pk]))
    assert page.status_code == 404


def test_iqa_pages(client_for, assessor, submission, points, iqa):
    services.marking_start(assessor=assessor, submission=submission)
    client_for(assessor).post(
        reverse("assessments:save", args=[submission.pk]),
        form_data(points, [2, 2, 2], 1, action="finalise"),
    )
    decision = AssessmentDecision.objects.get()
    client = client_for(iqa)
    dashboard = client.get(reverse("assessments:iqa"))
    assert dashboard.status_code == 200
    # Escaped as the page shows it (a generated name may hold an apostrophe).
    assert escape(str(submission.learner)) in dashboard.text
    response = client.post(
        reverse("assessments:review", args=[decision.pk]),
        {
            "verdict": "agree",
            "valid": "on",
            "authentic": "on",
            "current": "on",
            "sufficient": "on",
        },
    )
    assert response.status_code == 302
    assert decision.iqa_review.verdict == "agree"
    # The assessor may not review; the IQA page is not theirs.
    assert client_for(assessor).get(reverse("assessments:iqa")).status_code == 403


def test_home_panels(client_for, assessor, iqa, submission):
    page = client_for(assessor).get(reverse("home"))
    assert "1 submission waiting to be marked." in page.text
    assert "Marking queue" in page.text
    page = client_for(iqa).get(reverse("home"))
    assert "0 sampled decisions awaiting your review." in page.text


@pytest.mark.parametrize("role", ["assessor", "iqa", "centre_admin"])
def test_every_link_on_a_decision_page_opens_for_its_reader(
    request, client_for, assessor, submission, points, role
):
    # given a decision, read by the assessor who made it, the IQA or the admin
    from tests.assessments.test_services import mark

    decision = mark(assessor, submission, points, [2, 2, 2])
    client = client_for(request.getfixturevalue(role))
    page = client.get(reverse("assessments:decision", args=[decision.pk]))
    assert page.status_code == 200
    # then every link on it opens for them (an IQA's "back" link went to the
    # marking queue, which is not theirs: 403)
    links = set(re.findall(r'<a [^>]*href="(/[^"#]*)', page.text)) - {
        "/accounts/logout/"
    }
    assert links
    failing = {url: client.get(url, follow=True).status_code for url in links}
    assert {url: code for url, code in failing.items() if code != 200} == {}
