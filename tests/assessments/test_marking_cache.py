"""The marking screen's evidence column is rendered once and cached under a digest
of everything it shows: whatever changes the evidence, the page shows the change."""

import re

from django.urls import reverse

from assessments import services
from centres import personal_data
from portfolio import services as portfolio_services
from portfolio.models import Evidence, SuggestedMapping
from tests import factories
from tests.assessments.test_services import mark


def evidence_column(page):
    """The HTML of the evidence articles (the cached part of the page)."""
    return "".join(
        re.findall(r'<article class="card mb-3" id="evidence-.*?</article>', page, re.S)
    )


def test_second_view_shows_the_same_evidence(client_for, assessor, submission):
    client = client_for(assessor)
    url = reverse("assessments:mark", args=[submission.pk])

    first = client.get(url).text
    second = client.get(url).text

    assert "booked a redelivery" in evidence_column(first)
    assert evidence_column(second) == evidence_column(first)


def test_erasure_reaches_a_cached_page(
    client_for, assessor, enrolled_learner, submission, centre_admin
):
    # given: the assessor has the submission open (its evidence now cached)
    client = client_for(assessor)
    url = reverse("assessments:mark", args=[submission.pk])
    assert "booked a redelivery" in client.get(url).text

    # when: the learner's personal data is erased (bulk updates, no save())
    personal_data.person_anonymise(user=enrolled_learner, actor=centre_admin)

    # then: the learner's words are gone from the page
    page = client.get(url).text
    assert "booked a redelivery" not in page
    assert "Handling a complaint 1" not in evidence_column(page)


def test_learners_edit_after_return_reaches_a_cached_page(
    client_for, assessor, enrolled_learner, submission, points
):
    # given: marked "not yet" and returned; the assessor looks at it again
    mark(assessor, submission, points, [2, 1, 2])
    client = client_for(assessor)
    url = reverse("assessments:mark", args=[submission.pk])
    assert "next morning" not in client.get(url).text

    # when: the learner edits the returned log
    log = Evidence.objects.get(learner=enrolled_learner)
    portfolio_services.log_update(
        evidence=log,
        expected_version=log.version,
        title="Handling a complaint, revised",
        is_draft=False,
        what_happened=log.what_happened,
        what_i_did=log.what_i_did + " I rang back the next morning.",
        outcome=log.outcome,
        learned=log.learned,
    )

    # then
    column = evidence_column(client.get(url).text)
    assert "Handling a complaint, revised" in column
    assert "I rang back the next morning." in column


def test_suggestions_computed_later_reach_a_cached_page(
    client_for, assessor, submission
):
    # given: the assessor opened the submission before the suggestions task ran
    services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    url = reverse("assessments:mark", args=[submission.pk])
    assert "data-suggested-text" not in client.get(url).text

    # when: the portfolio service the Celery task wraps stores its suggestions
    log = Evidence.objects.get(learner=submission.learner)
    portfolio_services.evidence_suggest(evidence_id=log.pk)
    assert SuggestedMapping.objects.filter(evidence=log).exists()

    # then: the sentences are marked in place in the log
    column = evidence_column(client.get(url).text)
    assert f'data-suggested-text="{log.pk}"' in column
    assert '<mark title="Suggested for MP' in column


def test_other_submissions_do_not_share_a_cached_column(
    client_for, assessor, centre, cohort, unit, submission
):
    other_learner = factories.member(centre, "learner", username="second")
    factories.EnrolmentFactory(learner=other_learner, cohort=cohort)
    other = factories.submitted_portfolio(
        learner=other_learner, centre=centre, unit=unit, logs=2
    )
    client = client_for(assessor)

    mine = evidence_column(
        client.get(reverse("assessments:mark", args=[submission.pk])).text
    )
    theirs = evidence_column(
        client.get(reverse("assessments:mark", args=[other.pk])).text
    )

    ids = set(
        Evidence.objects.filter(learner=other_learner).values_list("pk", flat=True)
    )
    assert {int(i) for i in re.findall(r'id="evidence-(\d+)"', theirs)} == ids
    assert not ids & {int(i) for i in re.findall(r'id="evidence-(\d+)"', mine)}
