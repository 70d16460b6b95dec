import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail

from practice import scheduling, selectors, services
from practice.models import (
    Card,
    CardKind,
    CardState,
    CardStateKind,
    PracticeSettings,
    ReviewLog,
    UnitGoal,
)
from revision.models import KeyConcept, Misconception
from tests.practice.conftest import CARD_COUNT

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def review(learner, card, rating, *, now=NOW, reps=None, token=None):
    if reps is None:
        state = CardState.objects.filter(learner=learner, card=card).first()
        reps = state.reps if state else 0
    return services.review_record(
        learner=learner,
        card=card,
        rating=rating,
        token=token or uuid.uuid4(),
        shown_reps=reps,
        now=now,
    )


# --- Card generation ------------------------------------------------------------------
def test_cards_are_generated_one_type_per_content_kind(cards):
    kinds = [c.kind for c in cards]
    assert len(cards) == CARD_COUNT
    assert kinds.count(CardKind.CONCEPT) == 2
    assert kinds.count(CardKind.CONCEPT_REVERSE) == 2
    assert kinds.count(CardKind.MISCONCEPTION) == 2
    assert kinds.count(CardKind.MARKING_POINT) == 2
    assert kinds.count(CardKind.KEY_TERM) == 1
    by_front = {c.front: c.back for c in cards}
    assert by_front["Explain the key concept: Customer journey"] == (
        "Every step a customer takes with the organisation."
    )
    assert by_front[
        "Which key concept is this? Putting things right after a service failure."
    ] == ("Service recovery")
    assert by_front["True or false: Complaints are always bad news."] == (
        "False. Complaints show where service can improve."
    )
    assert by_front[
        "True or false: Only front-line staff affect customer relations."
    ] == ("False: this is a common mistake to avoid.")
    assert (
        by_front[
            "What does an assessor look for on “Building relationships”? "
            "(marking point 2 of 2)"
        ]
        == "Describes how feedback is gathered and acted on."
    )
    assert by_front["What does this key term mean? Net Promoter Score"] == (
        "how likely customers are to recommend you"
    )


def test_regenerating_unchanged_content_changes_nothing(cards, topic):
    result = services.cards_generate_for_unit(unit=topic.unit)
    assert (result.created, result.updated, result.retired) == (0, 0, 0)
    assert result.kept == CARD_COUNT
    assert sorted(Card.objects.values_list("pk", flat=True)) == sorted(
        c.pk for c in cards
    )


def test_reimport_keeps_history_for_unchanged_cards_and_retires_gone_ones(
    cards, topic, enrolled_learner
):
    # given a learner who reviewed every card
    for card in cards:
        review(enrolled_learner, card, 3)
    # when the topic is re-imported (content replaced wholesale) with one concept
    # edited and the misconceptions unchanged
    KeyConcept.objects.filter(topic=topic).delete()
    KeyConcept.objects.create(
        topic=topic,
        position=1,
        term="Customer journey",
        explanation="Every step a customer takes with the organisation.",
    )
    KeyConcept.objects.create(
        topic=topic, position=2, term="Service recovery", explanation="Fixing it."
    )
    misconceptions = list(Misconception.objects.filter(topic=topic).values())
    Misconception.objects.filter(topic=topic).delete()
    Misconception.objects.bulk_create(
        Misconception(**{k: v for k, v in m.items() if k != "id"})
        for m in misconceptions
    )
    result = services.cards_generate_for_unit(unit=topic.unit)
    # then
    assert (result.created, result.retired) == (2, 2)
    assert result.kept == CARD_COUNT - 2
    active = Card.objects.filter(unit=topic.unit, retired_at__isnull=True)
    assert active.count() == CARD_COUNT
    assert CardState.objects.filter(
        learner=enrolled_learner, card__in=active
    ).count() == (CARD_COUNT - 2)
    assert ReviewLog.objects.filter(learner=enrolled_learner).count() == CARD_COUNT
    retired = Card.objects.filter(retired_at__isnull=False)
    assert {c.front for c in retired} == {
        "Explain the key concept: Service recovery",
        "Which key concept is this? Putting things right after a service failure.",
    }
    # and when the old explanation comes back, the old cards (and history) revive
    KeyConcept.objects.filter(topic=topic, position=2).update(
        explanation="Putting things right after a service failure."
    )
    again = services.cards_generate_for_unit(unit=topic.unit)
    assert (again.revived, again.retired) == (2, 2)


def test_cards_ensure_regenerates_only_when_content_changed(topic):
    assert services.cards_ensure_for_unit(unit=topic.unit) is True
    assert services.cards_ensure_for_unit(unit=topic.unit) is False
    topic.title = "Building customer relationships"
    topic.save()
    assert services.cards_ensure_for_unit(unit=topic.unit) is True
    assert (
        Card.objects.filter(front__contains="“Building customer relationships”").count()
        == 2
    )


# --- FSRS reviews ------------------------------------------------------------------
def test_fsrs_schedules_again_sooner_than_easy(cards, enrolled_learner, learner):
    again = review(enrolled_learner, cards[0], 1).state
    easy = review(enrolled_learner, cards[1], 4).state
    assert again.due < easy.due
    assert again.due - NOW == timedelta(minutes=1)  # FSRS's first learning step
    assert easy.state == CardStateKind.REVIEW
    # FSRS-6's first Easy interval is about 8 days; its fuzz spreads it by +-2 days
    assert easy.due - NOW >= timedelta(days=5)
    assert easy.stability > again.stability
    # a second Good on the learning card graduates it with FSRS's own stability
    good = review(enrolled_learner, cards[0], 3, now=NOW + timedelta(minutes=2))
    assert good.state.reps == 2
    assert good.state.state == CardStateKind.LEARNING


def test_every_review_is_kept(cards, enrolled_learner):
    ratings = [1, 3, 3, 2, 4, 3, 1, 3]
    when = NOW
    for rating in ratings:
        review(enrolled_learner, cards[0], rating, now=when)
        when += timedelta(days=3)
    logs = list(ReviewLog.objects.filter(learner=enrolled_learner).order_by("pk"))
    assert [log.rating for log in logs] == ratings
    assert logs[0].state_before is None
    state = CardState.objects.get(learner=enrolled_learner, card=cards[0])
    assert state.reps == len(ratings)
    assert state.lapses == 1  # the Again on a card in review
    assert logs[-1].due_after == state.due


def test_replayed_token_records_once(cards, enrolled_learner):
    token = uuid.uuid4()
    first = review(enrolled_learner, cards[0], 3, token=token, reps=0)
    second = review(enrolled_learner, cards[0], 3, token=token, reps=0)
    assert (first.recorded, second.recorded) == (True, False)
    assert ReviewLog.objects.filter(learner=enrolled_learner).count() == 1
    assert CardState.objects.get(card=cards[0]).reps == 1


def test_stale_form_with_new_token_records_once(cards, enrolled_learner):
    review(enrolled_learner, cards[0], 3, reps=0)
    stale = review(enrolled_learner, cards[0], 1, reps=0)
    assert stale.recorded is False
    assert ReviewLog.objects.count() == 1


@pytest.mark.parametrize("rating", [0, 5, -1, "x", None, "3.5"])
def test_rating_outside_1_to_4_is_refused(cards, enrolled_learner, rating):
    with pytest.raises(services.ReviewError):
        review(enrolled_learner, cards[0], rating)
    assert ReviewLog.objects.count() == 0
    assert CardState.objects.count() == 0


def test_desired_retention_is_per_learner(cards, enrolled_learner, other_learner):
    PracticeSettings.objects.create(learner=other_learner, desired_retention=0.8)
    mine = review(enrolled_learner, cards[0], 4).state
    theirs = review(other_learner, cards[0], 4).state
    assert theirs.due > mine.due  # lower retention, longer interval
    assert ReviewLog.objects.get(learner=other_learner).desired_retention == 0.8


# --- Planning -------------------------------------------------------------------------
def test_next_card_shows_due_then_new_and_respects_daily_new_cap(
    cards, enrolled_learner
):
    PracticeSettings.objects.create(learner=enrolled_learner, new_cards_per_day=2)
    plan = selectors.plan_for(learner=enrolled_learner, unit=cards[0].unit, now=NOW)
    first = selectors.next_card(
        learner=enrolled_learner, unit=cards[0].unit, now=NOW, plan=plan
    )
    assert first.card == cards[0]
    assert first.state is None
    review(enrolled_learner, cards[0], 4)
    review(enrolled_learner, cards[1], 4)
    assert (
        selectors.next_card(
            learner=enrolled_learner, unit=cards[0].unit, now=NOW, plan=plan
        )
        is None
    )
    # a card graded Again comes back within the session (learning steps)
    review(enrolled_learner, cards[0], 1, now=NOW + timedelta(minutes=1))
    again = selectors.next_card(
        learner=enrolled_learner,
        unit=cards[0].unit,
        now=NOW + timedelta(minutes=2),
        plan=plan,
    )
    assert again.card == cards[0]


def test_exam_date_raises_retention_and_new_card_allowance(cards, enrolled_learner):
    unit = cards[0].unit
    PracticeSettings.objects.create(learner=enrolled_learner, new_cards_per_day=1)
    UnitGoal.objects.create(
        learner=enrolled_learner, unit=unit, exam_date=date(2026, 11, 26)
    )
    plan = selectors.plan_for(learner=enrolled_learner, unit=unit, now=NOW)
    assert plan.days_to_exam == 3
    assert plan.new_per_day == 3  # 9 unseen cards over 3 days
    assert plan.desired_retention == pytest.approx(0.9 + 0.05 * 27 / 30, abs=1e-4)
    state = review(enrolled_learner, cards[0], 4).state
    # due no later than the day before the exam
    assert state.due <= datetime(2026, 11, 25, 6, 0, tzinfo=UTC)


def test_retention_unchanged_far_from_exam():
    assert (
        scheduling.effective_retention(
            0.9, today=date(2026, 1, 1), exam_date=date(2026, 6, 1)
        )
        == 0.9
    )


def test_backlog_spread_keeps_todays_allowance_and_spreads_the_rest(
    cards, enrolled_learner
):
    unit = cards[0].unit
    PracticeSettings.objects.create(learner=enrolled_learner, reviews_per_day=2)
    for card in cards:
        review(enrolled_learner, card, 3, now=NOW - timedelta(days=60))
        review(enrolled_learner, card, 3, now=NOW - timedelta(days=59))
    overdue = CardState.objects.filter(due__lte=NOW).count()
    assert overdue == CARD_COUNT
    moved = services.backlog_spread(
        learner=enrolled_learner, unit=unit, days=3, now=NOW
    )
    assert moved == CARD_COUNT - 2
    assert CardState.objects.filter(due__lte=NOW).count() == 2
    later = sorted(CardState.objects.filter(due__gt=NOW).values_list("due", flat=True))
    days = [d.date() for d in later]
    assert max(days.count(d) for d in set(days)) == 3  # 7 cards over 3 days
    assert ReviewLog.objects.count() == 2 * CARD_COUNT  # no review touched


# --- Reminders ------------------------------------------------------------------------
def test_reminders_email_opted_in_learners_with_due_cards_once_a_day(
    cards, enrolled_learner, django_capture_on_commit_callbacks
):
    from config.celery import app

    enrolled_learner.email = "learner@example.org"
    enrolled_learner.save()
    PracticeSettings.objects.create(learner=enrolled_learner, reminders=True)
    review(enrolled_learner, cards[0], 1, now=NOW - timedelta(days=1))
    app.conf.task_always_eager = True  # deliver the queued email in-process
    try:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.reminders_send(now=NOW) == 1
            assert services.reminders_send(now=NOW) == 0
    finally:
        app.conf.task_always_eager = False
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["learner@example.org"]
    assert "1 card to practise today" in mail.outbox[0].body


def test_reminders_skip_learners_who_did_not_opt_in(cards, enrolled_learner):
    enrolled_learner.email = "learner@example.org"
    enrolled_learner.save()
    review(enrolled_learner, cards[0], 1, now=NOW - timedelta(days=1))
    assert services.reminders_send(now=NOW) == 0
    assert mail.outbox == []


def test_cards_sync_all_regenerates_only_changed_units(topic):
    assert services.cards_sync_all() == 1
    assert services.cards_sync_all() == 0
    assert Card.objects.count() == CARD_COUNT


def test_beat_schedule_runs_the_reminder_daily():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["practice-reminders"]
    assert entry["task"] == "practice.tasks.practice_reminders_send_task"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {30})


@pytest.mark.django_db
def test_importing_revision_content_regenerates_that_units_cards(
    django_capture_on_commit_callbacks,
):
    from pathlib import Path

    from config.celery import app
    from practice.models import Card
    from revision import importer

    seed = Path(__file__).parent.parent / "revision/fixtures/000_62dfabb6da7b12c3.txt"
    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            results = importer.file_import(
                data=seed.read_bytes(),
                name=seed.name,
                qualification_title="Level 3 Diploma in Customer Service",
                unit_title="Build and maintain effective customer relations",
            )
    finally:
        app.conf.task_always_eager = False

    unit = results[0].topic.unit
    # 5 concepts both ways + 5 misconceptions + 5 marking points
    assert Card.objects.filter(unit=unit, retired_at__isnull=True).count() == 20


def test_reminders_respect_a_muted_reminder_preference(cards, enrolled_learner):
    from centres.models import NotificationPreference

    enrolled_learner.email = "learner@example.org"
    enrolled_learner.save()
    PracticeSettings.objects.create(learner=enrolled_learner, reminders=True)
    NotificationPreference.objects.create(
        user=enrolled_learner, muted_kinds=["reminder"]
    )
    review(enrolled_learner, cards[0], 1, now=NOW - timedelta(days=1))

    assert services.reminders_send(now=NOW) == 0
    assert mail.outbox == []
