"""What assessments adds to portfolio: the feedback link, feedback in the PDF, and
the resubmission rules enforced when the learner resubmits."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from assessments.models import FeedbackRelease, ResubmissionPolicy
from portfolio import export
from portfolio import services as portfolio_services
from portfolio.models import SubmissionStatus
from tests import factories
from tests.assessments.test_services import mark

pytestmark = pytest.mark.django_db


def _resubmit(learner, submission, unit):
    return portfolio_services.submission_submit(
        learner=learner, centre=submission.centre, unit=unit, declared_authentic=True
    )


def test_returned_unit_can_be_resubmitted_within_the_rules(
    assessor, submission, points, enrolled_learner, unit
):
    mark(assessor, submission, points, [2, 1, 2])

    resubmitted = _resubmit(enrolled_learner, submission, unit)

    assert resubmitted.status == SubmissionStatus.SUBMITTED
    assert resubmitted.current_version == 2


def test_resubmitting_beyond_the_limit_is_refused_with_who_to_ask(
    assessor, submission, points, enrolled_learner, unit, qualification
):
    ResubmissionPolicy.objects.create(qualification=qualification, max_resubmissions=0)
    mark(assessor, submission, points, [2, 1, 2])

    with pytest.raises(ValidationError) as refused:
        _resubmit(enrolled_learner, submission, unit)

    assert refused.value.messages == [
        "You have used all 0 resubmissions this qualification allows. Ask your "
        "centre admin to authorise another."
    ]
    submission.refresh_from_db()
    assert submission.status == SubmissionStatus.RETURNED
    assert submission.current_version == 1


def test_resubmitting_after_the_window_is_refused(
    assessor, submission, points, enrolled_learner, unit, qualification
):
    ResubmissionPolicy.objects.create(qualification=qualification, window_days=7)
    mark(assessor, submission, points, [2, 1, 2])
    FeedbackRelease.objects.filter(decision__submission=submission).update(
        released_at=timezone.now() - timedelta(days=8)
    )

    with pytest.raises(ValidationError, match="The time to resubmit this unit ended"):
        _resubmit(enrolled_learner, submission, unit)


def test_learner_unit_page_links_to_feedback(
    client_for, assessor, submission, points, enrolled_learner, unit
):
    mark(assessor, submission, points, [2, 1, 2])

    page = client_for(enrolled_learner).get(reverse("portfolio:unit", args=[unit.slug]))

    feedback_url = reverse("assessments:feedback", args=[submission.pk])
    assert f'href="{feedback_url}"'.encode() in page.content
    assert b"Read your feedback" in page.content


def test_no_feedback_link_while_the_unit_waits_for_its_first_decision(
    client_for, assessor, submission, points, enrolled_learner, unit
):
    # given a submitted unit not yet marked
    client = client_for(enrolled_learner)
    url = reverse("portfolio:unit", args=[unit.slug])
    feedback_url = reverse("assessments:feedback", args=[submission.pk])
    # then its page offers no feedback to read (the link led to a "not found")
    assert b"Read your feedback" not in client.get(url).content
    assert client.get(feedback_url).status_code == 404
    # when the assessor's decision reaches the learner
    mark(assessor, submission, points, [2, 1, 2])
    # then the link is there and leads to the feedback
    assert f'href="{feedback_url}"'.encode() in client.get(url).content
    assert client.get(feedback_url).status_code == 200
    # and it stays while the resubmission waits for marking
    _resubmit(enrolled_learner, submission, unit)
    assert f'href="{feedback_url}"'.encode() in client.get(url).content
    assert client.get(feedback_url).status_code == 200


def test_portfolio_pdf_shows_released_feedback(assessor, submission, points):
    mark(
        assessor,
        submission,
        points,
        [2, 1, 2],
        summative="Add the follow-up call <b>to</b> your log.",
    )

    html = export.export_html(submission)

    assert "No feedback recorded yet." not in html
    assert "Not yet achieved" in html
    assert "Partially evidenced" in html
    assert "Add the follow-up call &lt;b&gt;to&lt;/b&gt; your log." in html


def test_portfolio_pdf_leaves_out_feedback_awaiting_release(
    assessor, submission, points, centre
):
    centre.release_requires_check = True
    centre.save()
    mark(assessor, submission, points, [2, 2, 2])

    html = export.export_html(submission)

    assert "No feedback recorded yet." in html


def test_iqa_outcome_is_emailed_to_the_assessor(assessor, submission, points, iqa):
    from assessments import services
    from centres.models import Notification, NotificationKind

    decision = mark(assessor, submission, points, [2, 2, 2])

    services.iqa_review_record(
        iqa=iqa,
        roles=frozenset({"iqa"}),
        decision=decision,
        verdict="disagree",
        valid=True,
        authentic=True,
        current=True,
        sufficient=False,
        comment="The witness statement is unsigned.",
        action_points=["Ask for a signed witness statement."],
    )

    note = Notification.objects.get(user=assessor, kind=NotificationKind.IQA_OUTCOME)
    assert note.subject == "IQA review: disagree"
    assert "The witness statement is unsigned." in note.body
    assert "- Ask for a signed witness statement." in note.body


def test_a_unit_never_submitted_has_no_marking_record(
    client_for, assessor, enrolled_learner, centre, unit
):
    # given a learner's draft unit, never submitted
    draft = factories.SubmissionFactory(
        learner=enrolled_learner, unit=unit, centre=centre, status="draft"
    )
    client = client_for(assessor)
    # then the assessor's view of the portfolio offers no marking console link
    page = client.get(
        reverse("portfolio:learner-unit", args=[enrolled_learner.pk, unit.slug])
    )
    assert page.status_code == 200
    assert b"Open in the marking console" not in page.content
    # and the marking console answers "not found" (it failed with a server error)
    response = client.get(reverse("assessments:mark", args=[draft.pk]))
    assert response.status_code == 404
