"""Criteria suggestions stored for saved evidence, and the learner's choice."""

from django.urls import reverse

from portfolio import selectors, services
from portfolio.models import EvidenceMapping, SuggestedMapping, SuggestionStatus
from tests import factories


def complaint_log(learner, centre, unit, eager_tasks, *, draft=False):
    with eager_tasks():
        return services.log_create(
            learner=learner,
            centre=centre,
            unit=unit,
            title="Complaint",
            is_draft=draft,
            what_happened="A customer complained that his refund was late.",
            what_i_did="I resolved the complaint within policy by checking the "
            "refund policy and processing the refund the same day.",
            outcome="I recorded the outcome on the system and followed up with "
            "a call two days later to check he was happy.",
        )


def finished_log(learner, centre, unit, what_happened, title="Complaint"):
    """A finished log saved without running the suggestions task."""
    return services.log_create(
        learner=learner,
        centre=centre,
        unit=unit,
        title=title,
        is_draft=False,
        what_happened=what_happened,
    )


def test_saving_a_log_stores_ranked_suggestions(
    enrolled_learner, centre, unit, eager_tasks
):
    log = complaint_log(enrolled_learner, centre, unit, eager_tasks)

    log.refresh_from_db()
    stored = list(SuggestedMapping.objects.filter(evidence=log).order_by("-score"))
    assert stored, "expected at least one suggestion"
    assert log.suggestions_hash == services.text_hash(log.plain_text)
    assert log.suggestions_backend in {"lexical", "semantic", "combined"}
    assert {s.marking_point.topic.unit_id for s in stored} == {unit.pk}
    assert EvidenceMapping.objects.count() == 0  # nothing mapped without a click
    assert not selectors.suggestions_pending(evidence=log)


def test_drafts_get_no_suggestions(enrolled_learner, centre, unit, eager_tasks):
    log = complaint_log(enrolled_learner, centre, unit, eager_tasks, draft=True)

    assert SuggestedMapping.objects.filter(evidence=log).count() == 0


def test_recomputing_the_same_text_changes_nothing(
    enrolled_learner, centre, unit, eager_tasks
):
    log = complaint_log(enrolled_learner, centre, unit, eager_tasks)
    before = list(SuggestedMapping.objects.values_list("pk", flat=True))

    assert services.evidence_suggest(evidence_id=log.pk) == 0
    assert list(SuggestedMapping.objects.values_list("pk", flat=True)) == before


def test_accepting_maps_and_dismissing_hides(
    client_for, enrolled_learner, centre, unit, eager_tasks
):
    log = complaint_log(enrolled_learner, centre, unit, eager_tasks)
    first, second = SuggestedMapping.objects.filter(evidence=log).order_by("-score")[:2]
    client = client_for(enrolled_learner)

    client.post(
        reverse("portfolio:suggestion-decide", args=[first.pk]), {"accept": "1"}
    )
    client.post(
        reverse("portfolio:suggestion-decide", args=[second.pk]), {"accept": "0"}
    )

    assert list(log.mappings.values_list("marking_point_id", flat=True)) == [
        first.marking_point_id
    ]
    second.refresh_from_db()
    assert second.status == SuggestionStatus.DISMISSED
    shown = [s.pk for s in selectors.suggestions_for_evidence(evidence=log)]
    assert first.pk not in shown
    assert second.pk not in shown


def test_the_map_page_polls_while_suggestions_are_pending(
    client_for, enrolled_learner, centre, unit
):
    log = finished_log(enrolled_learner, centre, unit, "A customer complained.")

    body = (
        client_for(enrolled_learner)
        .get(reverse("portfolio:evidence-map", args=[log.pk]))
        .content.decode()
    )

    assert 'hx-trigger="load delay:3s"' in body
    assert "Looking for the marking points" in body


def test_another_learners_suggestion_is_404(
    client_for, other_learner, enrolled_learner, centre, unit, eager_tasks
):
    log = complaint_log(enrolled_learner, centre, unit, eager_tasks)
    suggestion = SuggestedMapping.objects.filter(evidence=log).first()

    response = client_for(other_learner).post(
        reverse("portfolio:suggestion-decide", args=[suggestion.pk]), {"accept": "1"}
    )

    assert response.status_code == 404
    assert EvidenceMapping.objects.count() == 0


def test_the_map_page_shows_the_log_beside_its_points_grouped(
    client_for, enrolled_learner, centre, unit, qualification
):
    # given a log on a unit with outcomes, and a unit whose points have only topics
    log = finished_log(
        enrolled_learner,
        centre,
        unit,
        "A customer complained that his refund was late.",
    )
    client = client_for(enrolled_learner)
    body = client.get(reverse("portfolio:evidence-map", args=[log.pk])).text
    # then the learner can read what they wrote while saying where each point is
    assert "Your evidence" in body
    assert "A customer complained that his refund was late." in body
    assert "Learning outcome 1: Understand customer needs</h2>" in body
    assert "Learning outcome 2: Resolve complaints</h2>" in body

    plain = factories.UnitFactory(qualification=qualification, slug="plain")
    for n, title in enumerate(["Greeting customers", "Closing a call"], start=1):
        topic = factories.TopicFactory(unit=plain, title=title, position=n)
        factories.MarkingPointFactory(topic=topic, position=1, text="Does it well.")
    other = finished_log(
        enrolled_learner, centre, plain, "I answered the phone.", title="Calls"
    )
    body = client.get(reverse("portfolio:evidence-map", args=[other.pk])).text
    # and points with no outcome are grouped under their topic's title
    assert '<h2 class="h6 mt-3">Greeting customers</h2>' in body
    assert '<h2 class="h6 mt-3">Closing a call</h2>' in body
