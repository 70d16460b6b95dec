"""The learner's home page: the panels other apps register, showing the learner's
own figures (issue #8 made their queries lean; these pin what they show)."""

import pytest
from django.urls import reverse

from assessments import services as assessment_services
from assessments.services import JudgementInput
from revision.models import MarkingPoint
from tests import factories

pytestmark = pytest.mark.django_db


def _released_decision(learner, centre, unit, assessor, iqa):
    submission = factories.submitted_portfolio(
        learner=learner, centre=centre, unit=unit
    )
    points = MarkingPoint.objects.filter(topic__unit=unit).order_by("position")
    marking = assessment_services.marking_start(
        assessor=assessor, submission=submission
    )
    marking = assessment_services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={p.pk: JudgementInput(value=2, comment="Clear.") for p in points},
        summative_feedback="A well-organised portfolio.",
        next_steps="",
    )
    decision = assessment_services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )
    # Feedback is released at once unless the decision was sampled for a second look.
    if decision.release.status != "released":
        assessment_services.feedback_mark_ready(actor=assessor, decision=decision)
        assessment_services.feedback_release(
            actor=iqa, roles=frozenset({"iqa"}), decision=decision
        )
    decision.refresh_from_db()
    return decision


def test_feedback_panel_links_the_released_decision_until_it_is_read(
    client_for, enrolled_learner, centre, qualification, assessor, iqa
):
    # given a released decision on one of the learner's units
    unit = factories.marking_unit(qualification, points=2)
    decision = _released_decision(enrolled_learner, centre, unit, assessor, iqa)
    client = client_for(enrolled_learner)
    # when the learner opens their home page
    html = client.get(reverse("home")).content.decode()
    # then the feedback panel links it, with its outcome, marked as new
    panel = html[html.index('id="panel-feedback"') :]
    link = reverse("assessments:feedback", args=[decision.submission_id])
    assert f'href="{link}">{unit.title}</a>' in panel
    assert decision.get_outcome_display() in panel
    assert ">New</span>" in panel.split("</section>")[0]
    # and once they have read it, it is no longer new
    assessment_services.feedback_acknowledge(
        learner=enrolled_learner, decision=decision
    )
    html = client.get(reverse("home")).content.decode()
    panel = html[html.index('id="panel-feedback"') :].split("</section>")[0]
    assert link in panel
    assert ">New</span>" not in panel
