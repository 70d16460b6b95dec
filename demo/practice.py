"""Demo step: practice cards for every unit, and weeks of practice for some learners.

Per centre: the first learner has practised almost daily for six weeks, the second
practised for four weeks and then stopped (a backlog for catch-up mode), the third
started ten days ago with an exam date three weeks away and reminders on; everyone
else has not started. Reviews are simulated with FSRS itself (recall succeeds with
the probability FSRS predicts), so the history is what the scheduler would have
produced. Idempotent: a learner who already has reviews is left alone.
"""

import uuid
from datetime import UTC, timedelta

import fsrs
from django.db import transaction
from django.utils import timezone

from practice import services
from practice.models import (
    Card,
    CardState,
    PracticeSession,
    PracticeSettings,
    ReviewLog,
    UnitGoal,
)
from revision.models import Unit

# (days of practice, days since the last practice, new cards a day)
PROFILES = [(42, 0, 8), (28, 14, 10), (10, 0, 6)]


def seed(world) -> None:
    units = list(Unit.objects.filter(qualification=world.data["qualification"]))
    total = 0
    for unit in units:
        total += services.cards_generate_for_unit(unit=unit).created
    world.say(f"Practice cards: {total} new across {len(units)} units")
    units_with_cards = [u for u in units if Card.objects.filter(unit=u).exists()]
    if not units_with_cards:
        return
    now = timezone.now()
    reviews = 0
    for centre_data in world.data.get("centres", {}).values():
        learners = centre_data["learners"][: len(PROFILES)]
        for learner, profile in zip(learners, PROFILES, strict=False):
            if ReviewLog.objects.filter(learner=learner).exists():
                continue
            unit = units_with_cards[0]
            reviews += _simulate(world, learner, unit, profile, now)
            if profile is PROFILES[2]:
                PracticeSettings.objects.update_or_create(
                    learner=learner, defaults={"reminders": True}
                )
                UnitGoal.objects.update_or_create(
                    learner=learner,
                    unit=unit,
                    defaults={"exam_date": (now + timedelta(days=21)).date()},
                )
    world.say(f"Practice history: {reviews} reviews for demo learners")


@transaction.atomic
def _simulate(world, learner, unit, profile, now) -> int:
    cards = list(Card.objects.filter(unit=unit, retired_at__isnull=True))
    sessions, logs, states = simulate_history(
        world.rng, learner, unit, cards, profile, now
    )
    insert_history(sessions, logs, states)
    return len(logs)


def simulate_history(
    rng, learner, unit, cards, profile, now, *, new_uuid=uuid.uuid4, fuzz=True
) -> tuple[list[PracticeSession], list[ReviewLog], list[CardState]]:
    """Simulate `profile` (days, idle days, new cards a day) of practice with FSRS,
    drawing from `rng`; returns unsaved sessions, review logs and card states
    (demo.bulk builds many learners' histories and inserts them together).
    FSRS fuzzes intervals with the global random generator: `fuzz=False` makes
    the history depend on `rng` alone."""
    days, idle, new_per_day = profile
    scheduler = fsrs.Scheduler(desired_retention=0.9, enable_fuzzing=fuzz)
    memory: dict[int, fsrs.Card] = {}
    logs, sessions = [], []
    unseen = list(cards)
    start = (now - timedelta(days=days + idle)).astimezone(UTC)
    for day in range(days):
        if rng.random() < 0.15:  # the odd day off
            continue
        moment = start + timedelta(days=day, hours=18 + rng.random())
        due = [c for c in cards if c.pk in memory and memory[c.pk].due <= moment]
        fresh, unseen = unseen[:new_per_day], unseen[new_per_day:]
        session = PracticeSession(
            learner_id=learner.pk,
            unit_id=unit.pk,
            public_id=new_uuid(),
            target=len(due) + len(fresh),
            started_at=moment,
            ended_at=moment + timedelta(minutes=10),
        )
        counts = {1: 0, 2: 0, 3: 0, 4: 0}
        for card in due + fresh:
            before = memory.get(card.pk)
            state = before or fsrs.Card(card_id=card.pk)
            recall = scheduler.get_card_retrievability(state, moment) if before else 0.5
            roll = rng.random()
            if roll > recall:
                rating = 1
            else:
                rating = rng.choices([2, 3, 4], weights=[1, 6, 2])[0]
            after, _log = scheduler.review_card(state, fsrs.Rating(rating), moment)
            memory[card.pk] = after
            counts[rating] += 1
            logs.append(
                ReviewLog(
                    learner_id=learner.pk,
                    card_id=card.pk,
                    unit_id=unit.pk,
                    rating=rating,
                    reviewed_at=moment,
                    token=new_uuid(),
                    state_before=int(before.state) if before else None,
                    state_after=int(after.state),
                    stability_after=after.stability,
                    difficulty_after=after.difficulty,
                    due_after=after.due,
                    desired_retention=0.9,
                )
            )
            logs[-1]._session = session
            moment += timedelta(seconds=20)
        session.reviewed = sum(counts.values())
        session.again, session.hard, session.good, session.easy = (
            counts[1],
            counts[2],
            counts[3],
            counts[4],
        )
        sessions.append(session)
    by_card: dict[int, list[ReviewLog]] = {}
    for log in logs:
        by_card.setdefault(log.card_id, []).append(log)
    states = [
        CardState(
            learner_id=learner.pk,
            card_id=card_id,
            unit_id=unit.pk,
            state=int(memory[card_id].state),
            step=memory[card_id].step,
            stability=memory[card_id].stability,
            difficulty=memory[card_id].difficulty,
            due=memory[card_id].due,
            last_review=memory[card_id].last_review,
            reps=len(card_logs),
            lapses=sum(
                1 for log in card_logs if log.rating == 1 and log.state_before == 2
            ),
        )
        for card_id, card_logs in by_card.items()
    ]
    return sessions, logs, states


def insert_history(sessions, logs, states) -> None:
    """Insert what simulate_history made: sessions first, then the logs that
    point at them, then the card states."""
    PracticeSession.objects.bulk_create(sessions, batch_size=1000)
    for log in logs:
        log.session_id = log._session.pk
    ReviewLog.objects.bulk_create(logs, batch_size=1000)
    CardState.objects.bulk_create(states, batch_size=1000)
