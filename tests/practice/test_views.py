import re
import uuid
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from centres import caching
from practice import services
from practice.models import Card, CardState, CardStateKind, PracticeSession, ReviewLog
from tests import factories
from tests.practice.conftest import CARD_COUNT, add_content


def start(client, unit):
    response = client.post(reverse("practice:session-start", args=[unit.slug]))
    assert response.status_code == 302
    return PracticeSession.objects.latest("started_at")


def shown_form(response):
    html = response.content.decode()
    return {
        name: re.search(rf'name="{name}" value="([^"]+)"', html).group(1)
        for name in ("card", "token", "reps")
    }


def grade(client, session, form, rating, **headers):
    return client.post(
        reverse("practice:review", args=[session.public_id]),
        {**form, "rating": rating},
        **headers,
    )


def test_learner_practises_without_javascript(client_for, enrolled_learner, topic):
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    page = client.get(reverse("practice:session", args=[session.public_id]))
    assert page.status_code == 200
    assert b"<details" in page.content
    assert b"Show answer" in page.content
    form = shown_form(page)
    response = grade(client, session, form, "3")
    assert response.status_code == 302
    assert ReviewLog.objects.filter(learner=enrolled_learner).count() == 1
    session.refresh_from_db()
    assert (session.reviewed, session.good) == (1, 1)


def test_htmx_review_swaps_in_the_next_card(client_for, enrolled_learner, topic):
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    form = shown_form(client.get(reverse("practice:session", args=[session.public_id])))
    response = grade(client, session, form, "4", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="practice-card"')
    assert "<html" not in html
    assert shown_form(response)["card"] != form["card"]


def test_double_submit_counts_once(client_for, enrolled_learner, topic):
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    form = shown_form(client.get(reverse("practice:session", args=[session.public_id])))
    grade(client, session, form, "3")
    grade(client, session, form, "3")
    grade(client, session, {**form, "token": str(uuid.uuid4())}, "1")
    assert ReviewLog.objects.count() == 1
    session.refresh_from_db()
    assert session.reviewed == 1


@pytest.mark.parametrize("rating", ["0", "5", "abc", ""])
def test_bad_grade_is_refused_with_a_message(
    client_for, enrolled_learner, topic, rating
):
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    form = shown_form(client.get(reverse("practice:session", args=[session.public_id])))
    response = grade(client, session, form, rating)
    assert response.status_code == 400
    assert "Choose a grade from 1 (Again) to 4 (Easy)." in response.content.decode()
    assert ReviewLog.objects.count() == 0
    assert CardState.objects.count() == 0


def test_card_from_a_unit_not_enrolled_is_404(client_for, enrolled_learner, topic):
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    form = shown_form(client.get(reverse("practice:session", args=[session.public_id])))
    elsewhere = add_content(factories.TopicFactory())  # another qualification's unit
    services.cards_generate_for_unit(unit=elsewhere.unit)
    foreign = Card.objects.filter(unit=elsewhere.unit).first()
    response = grade(client, session, {**form, "card": foreign.pk}, "3")
    assert response.status_code == 404
    unit_page = client.get(reverse("practice:unit", args=[elsewhere.unit.slug]))
    assert unit_page.status_code == 404
    assert ReviewLog.objects.count() == 0


def test_another_learners_session_is_404(
    client_for, enrolled_learner, topic, cohort, centre
):
    other = factories.member(centre, "learner", username="classmate")
    factories.EnrolmentFactory(learner=other, cohort=cohort)
    session = services.session_start(learner=other, unit=topic.unit)
    client = client_for(enrolled_learner)
    form = {"card": 1, "token": str(uuid.uuid4()), "reps": 0, "rating": 3}
    assert (
        client.get(reverse("practice:session", args=[session.public_id])).status_code
        == 404
    )
    response = client.post(reverse("practice:review", args=[session.public_id]), form)
    assert response.status_code == 404
    assert ReviewLog.objects.count() == 0


def test_staff_cannot_practise(client_for, assessor, topic):
    response = client_for(assessor).get(reverse("practice:index"))
    assert response.status_code == 403


def test_session_ends_after_target_with_a_summary(client_for, enrolled_learner, topic):
    services.settings_update(
        learner=enrolled_learner,
        desired_retention=0.9,
        new_cards_per_day=20,
        reviews_per_day=200,
        session_size=2,
        reminders=False,
        catch_up=True,
    )
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    url = reverse("practice:session", args=[session.public_id])
    for rating in ("4", "2"):
        grade(client, session, shown_form(client.get(url)), rating)
    summary = client.get(url).content.decode()
    assert "Session complete" in summary
    assert "You reviewed 2 cards." in summary
    assert 'data-grade-count="easy">1<' in summary
    assert 'data-grade-count="hard">1<' in summary
    session.refresh_from_db()
    assert session.ended_at is not None


def test_session_ends_when_nothing_is_due(client_for, enrolled_learner, unit):
    client = client_for(enrolled_learner)
    session = start(client, unit)  # a unit without content
    page = client.get(reverse("practice:session", args=[session.public_id]))
    assert "Nothing is due right now." in page.content.decode()


def _history(learner, cards, reviews):
    """`reviews` reviews spread over the learner's cards, oldest first."""
    if not reviews:
        return
    when = timezone.now() - timedelta(days=400)
    step = timedelta(days=390) / reviews
    for i in range(reviews):
        card = cards[i % len(cards)]
        state = CardState.objects.filter(learner=learner, card=card).first()
        services.review_record(
            learner=learner,
            card=card,
            rating=3,
            token=uuid.uuid4(),
            shown_reps=state.reps if state else 0,
            now=when,
        )
        when += step
    # leave every card due, so the session has something to show
    CardState.objects.filter(learner=learner).update(
        due=timezone.now() - timedelta(hours=1)
    )


def _measure(client, session):
    url = reverse("practice:session", args=[session.public_id])
    with CaptureQueriesContext(connection) as shown:
        page = client.get(url)
    with CaptureQueriesContext(connection) as graded:
        response = grade(client, session, shown_form(page), "3")
    assert response.status_code == 302
    return len(shown), len(graded)


def test_next_card_and_review_take_constant_queries(
    client_for, enrolled_learner, topic, settings
):
    settings.PAGE_CACHE = False  # the queries of a page built, not kept
    # given a learner who has seen each card once
    services.cards_generate_for_unit(unit=topic.unit)
    cards = list(Card.objects.filter(unit=topic.unit))
    _history(enrolled_learner, cards, len(cards))
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    small = _measure(client, session)
    # when they have hundreds of reviews
    _history(enrolled_learner, cards, 300)
    large = _measure(client, session)
    # then picking the next card and recording a review cost the same
    assert small == large
    assert small[0] <= 10
    assert small[1] <= 22


@pytest.mark.parametrize("reviews", [0, 120])
def test_progress_and_home_take_constant_queries(
    client_for, enrolled_learner, topic, django_assert_max_num_queries, reviews
):
    services.cards_generate_for_unit(unit=topic.unit)
    _history(enrolled_learner, list(Card.objects.filter(unit=topic.unit)), reviews)
    client = client_for(enrolled_learner)
    with django_assert_max_num_queries(16):
        response = client.get(reverse("practice:progress", args=[topic.unit.slug]))
    assert response.status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("home")).status_code == 200


def test_a_new_daily_allowance_applies_on_the_next_card(
    client_for, enrolled_learner, topic
):
    def allow_new(per_day):
        services.settings_update(
            learner=enrolled_learner,
            desired_retention=0.9,
            new_cards_per_day=per_day,
            reviews_per_day=100,
            session_size=20,
            reminders=False,
            catch_up=False,
        )

    # given: one new card a day, already seen today
    services.cards_generate_for_unit(unit=topic.unit)
    allow_new(1)
    client = client_for(enrolled_learner)
    session = start(client, topic.unit)
    url = reverse("practice:session", args=[session.public_id])
    card = Card.objects.filter(unit=topic.unit).order_by("position", "pk").first()
    services.review_record(
        learner=enrolled_learner, card=card, rating=4, token=uuid.uuid4(), shown_reps=0
    )
    assert 'name="rating"' not in client.get(url).text  # nothing left today

    # when: the learner allows five a day
    allow_new(5)

    # then: the next new card is shown at once
    assert 'name="rating"' in client.get(url).text


def test_progress_page_counts(client_for, enrolled_learner, topic):
    services.cards_generate_for_unit(unit=topic.unit)
    card = Card.objects.filter(unit=topic.unit).first()
    services.review_record(
        learner=enrolled_learner, card=card, rating=4, token=uuid.uuid4(), shown_reps=0
    )
    html = (
        client_for(enrolled_learner)
        .get(reverse("practice:progress", args=[topic.unit.slug]))
        .content.decode()
    )
    assert f'data-count="new">{CARD_COUNT - 1}<' in html
    assert 'data-count="review">1<' in html
    assert "<svg" in html
    assert "1 review in total." in html


def test_home_panel_shows_cards_due_per_unit(client_for, enrolled_learner, topic):
    services.cards_generate_for_unit(unit=topic.unit)
    html = client_for(enrolled_learner).get(reverse("home")).content.decode()
    assert "Cards to practise today" in html
    assert f"{CARD_COUNT} new" in html
    assert 'href="/practice/"' in html  # the "Practise" navigation item


def test_goal_in_the_past_is_refused(client_for, enrolled_learner, topic):
    client = client_for(enrolled_learner)
    response = client.post(
        reverse("practice:goal", args=[topic.unit.slug]),
        {"exam_date": "2000-01-01"},
        follow=True,
    )
    assert "The date cannot be in the past." in response.content.decode()
    assert not enrolled_learner.unit_goals.exists()


def test_settings_form_keeps_input_on_error(client_for, enrolled_learner):
    client = client_for(enrolled_learner)
    response = client.post(
        reverse("practice:settings"),
        {
            "desired_retention": "0.9",
            "new_cards_per_day": "15",
            "reviews_per_day": "100",
            "session_size": "0",
            "catch_up_days": "7",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Choose between 1 and 200 cards." in html
    assert 'value="15"' in html
    assert not hasattr(enrolled_learner, "practice_settings") or (
        enrolled_learner.practice_settings.pk is None
    )


def test_unit_page_counts_the_learners_cards(client_for, enrolled_learner, topic):
    # given two cards reviewed (one in learning, one in review), one of them
    # retired, and the review card overdue since yesterday
    services.cards_generate_for_unit(unit=topic.unit)
    first, second, third = Card.objects.filter(unit=topic.unit).order_by("pk")[:3]
    for card, rating in ((first, 1), (second, 4), (third, 4)):
        services.review_record(
            learner=enrolled_learner,
            card=card,
            rating=rating,
            token=uuid.uuid4(),
            shown_reps=0,
        )
    CardState.objects.filter(learner=enrolled_learner, card=second).update(
        due=timezone.now() - timedelta(days=1)
    )
    Card.objects.filter(pk=third.pk).update(retired_at=timezone.now())
    # when the learner opens the unit's practice page
    response = client_for(enrolled_learner).get(
        reverse("practice:unit", args=[topic.unit.slug])
    )
    # then the learning card and the overdue review card are due now, the
    # retired card is not counted, and the rest are new
    summary = response.context["summary"]
    assert (summary.total, summary.new) == (CARD_COUNT - 1, CARD_COUNT - 3)
    assert (summary.learning, summary.due, summary.overdue) == (1, 1, 1)
    html = response.content.decode()
    assert 'data-count="due">2<' in html
    assert f'data-count="new">{CARD_COUNT - 3}<' in html
    assert "Start a session" in html


def test_an_exam_date_shows_on_the_unit_page_at_once(
    client_for, enrolled_learner, topic
):
    # given: the learner has looked at the unit page (its plan now kept)
    client = client_for(enrolled_learner)
    url = reverse("practice:unit", args=[topic.unit.slug])
    assert "days to go" not in client.get(url).text

    # when: they set an exam date three weeks away
    exam = timezone.localdate() + timedelta(days=21)
    response = client.post(
        reverse("practice:goal", args=[topic.unit.slug]),
        {"exam_date": exam.isoformat()},
        follow=True,
    )

    # then: the page they land on counts down to it
    assert "21 days to go." in response.content.decode()


def test_nothing_due_is_shown_quietly_and_due_cards_stand_out(
    client_for, enrolled_learner, cards
):
    # given a unit whose cards the learner has never seen: none due, all new
    client = client_for(enrolled_learner)
    for url in (reverse("practice:index"), reverse("home")):
        html = client.get(url).content.decode()
        # then "0 due" is a plain badge, not the red one that asks for attention
        assert re.search(r'class="badge text-bg-light border"[^>]*>0 due<', html), url
        assert re.search(rf'class="badge text-bg-secondary">{len(cards)} new<', html), (
            url
        )
    # when a card falls due
    CardState.objects.create(
        learner=enrolled_learner,
        card=cards[0],
        unit=cards[0].unit,
        state=CardStateKind.REVIEW,
        due=timezone.now() - timedelta(hours=1),
        stability=3.0,
        difficulty=5.0,
        reps=1,
    )
    caching.changed(caching.learner(enrolled_learner.pk))  # written outside services
    for url in (reverse("practice:index"), reverse("home")):
        html = client.get(url).content.decode()
        # then it is counted in red
        assert re.search(r'class="badge text-bg-danger"[^>]*>1 due<', html), url
