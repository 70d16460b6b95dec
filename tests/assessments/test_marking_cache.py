"""The marking screen is kept per viewer under the versions of what it shows, and
its evidence column is also cached under a digest of everything it shows: whatever
changes the marks, the comments, the bank or the evidence, the page shows it on
the next request, and a kept page's forms still post."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments import services
from assessments.models import CommentBankEntry, ResubmissionPolicy
from centres import personal_data
from centres import services as centre_services
from portfolio import services as portfolio_services
from portfolio.models import Evidence, SuggestedMapping
from revision.models import MarkingPoint
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

    # when: the portfolio service the Celery task wraps stores its suggestions,
    # one of them pre-selected (a point the log plainly shows)
    log = Evidence.objects.get(learner=submission.learner)
    point = MarkingPoint.objects.filter(topic__unit=submission.unit).first()
    point.text = "Apologises to a customer and books a redelivery of a late order."
    point.save(update_fields=["text"])
    portfolio_services.evidence_suggest(evidence_id=log.pk)
    assert SuggestedMapping.objects.filter(evidence=log, preselected=True).exists()

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


# --- The whole screen, kept per viewer ---------------------------------------------
def opened(client, submission) -> tuple[str, int]:
    """The marking screen's HTML and the SQL statements it took."""
    url = reverse("assessments:mark", args=[submission.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def without_tokens(html: str) -> str:
    """The page without its CSRF tokens, which are masked afresh on each request."""
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    return re.sub(r'"X-CSRFToken": "[^"]+"', "", html)


def test_a_kept_screen_is_the_built_screen(
    client_for, assessor, submission, points, settings
):
    services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    built, built_queries = opened(client, submission)
    kept, kept_queries = opened(client, submission)

    # the second request read the page from the cache: only the scope check ran
    assert kept_queries < built_queries
    assert without_tokens(kept) == without_tokens(built)
    settings.PAGE_CACHE = False
    assert without_tokens(opened(client, submission)[0]) == without_tokens(kept)


def test_draft_marks_show_on_the_next_request(client_for, assessor, submission, points):
    marking = services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    before, _ = opened(client, submission)
    assert f'id="value-{points[0].pk}-2" value="2" checked' not in before

    saved = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={points[0].pk: services.JudgementInput(value=2, comment="Spot on.")},
        summative_feedback="Nearly there.",
    )

    after, _ = opened(client, submission)
    assert f'id="value-{points[0].pk}-2" value="2" checked' in after
    assert "Spot on." in after
    assert "Nearly there." in after
    assert f'name="version" value="{saved.version}"' in after


def test_comments_on_passages_and_replies_show_on_the_next_request(
    client_for, assessor, submission, enrolled_learner
):
    marking = services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    opened(client, submission)
    log = Evidence.objects.get(learner=enrolled_learner)

    comment = services.anchored_comment_add(
        assessor=assessor,
        marking=marking,
        evidence_id=log.pk,
        quote="booked a redelivery",
        body="Say when you booked it.",
    )
    page, _ = opened(client, submission)
    assert "Say when you booked it." in page

    services.anchored_reply_add(
        actor=enrolled_learner, comment=comment, body="The same afternoon."
    )
    page, _ = opened(client, submission)
    assert "The same afternoon." in page


def test_a_new_shared_comment_shows_in_every_assessors_bank(
    client_for, assessor, submission, centre, centre_admin
):
    services.marking_start(assessor=assessor, submission=submission)
    client = client_for(assessor)
    assert "Check your spelling of" not in opened(client, submission)[0]

    entry = services.comment_bank_add(
        actor=centre_admin,
        centre=centre,
        roles=frozenset({"admin"}),
        text="Check your spelling of technical terms.",
        shared=True,
    )
    assert "Check your spelling of technical terms." in opened(client, submission)[0]

    services.comment_bank_delete(
        actor=centre_admin, roles=frozenset({"admin"}), entry=entry
    )
    assert not CommentBankEntry.objects.exists()
    assert "Check your spelling of" not in opened(client, submission)[0]


def test_an_unassigned_assessor_loses_a_kept_screen_at_once(
    client_for, assessor, submission, cohort, iqa, centre_admin
):
    client = client_for(assessor)
    opened(client, submission)

    centre_services.cohort_staff_set(
        cohort=cohort, assessors=[], iqas=[iqa], actor=centre_admin
    )

    url = reverse("assessments:mark", args=[submission.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("how", ["same session", "signed in again"])
def test_a_kept_screen_posts_with_the_sessions_own_token(
    assessor, submission, points, how
):
    # given: the screen is in the cache from an earlier visit
    services.marking_start(assessor=assessor, submission=submission)
    url = reverse("assessments:mark", args=[submission.pk])
    first = Client(enforce_csrf_checks=True)
    first.force_login(assessor)
    assert first.get(url).status_code == 200
    client = first
    if how == "signed in again":
        client = Client(enforce_csrf_checks=True)  # a new session, a new secret
        client.force_login(assessor)

    # when: the kept screen is opened and its marking form posted
    page = client.get(url).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    response = client.post(
        reverse("assessments:save", args=[submission.pk]),
        {
            "csrfmiddlewaretoken": token,
            "version": version,
            "point": [p.pk for p in points],
            f"value-{points[0].pk}": "1",
            "action": "save",
        },
    )

    # then: the save went through (not refused as a forged request)
    assert response.status_code == 302
    assert f'id="value-{points[0].pk}-1" value="1" checked' in client.get(url).text


def test_an_authorised_resubmission_shows_on_the_next_request(
    client_for, assessor, submission, points, qualification, centre_admin
):
    # given: returned "not yet" with no resubmissions allowed; the admin looks
    ResubmissionPolicy.objects.create(qualification=qualification, max_resubmissions=0)
    mark(assessor, submission, points, [2, 1, 2])
    client = client_for(centre_admin)
    assert "authorised)" not in opened(client, submission)[0]

    services.resubmission_authorise(
        actor=centre_admin,
        roles=frozenset({"admin"}),
        submission=submission,
        reason="Learner was ill during the window.",
    )

    assert "(+1 authorised)" in opened(client, submission)[0]
