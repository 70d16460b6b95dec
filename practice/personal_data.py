"""What practice/ keeps about a person, for subject access and erasure.

Registered with centres.personal_data from PracticeConfig.ready(). The learner's
practice settings, exam dates, memory of each card, every review and every session
are exported; erasure deletes them all (the awarding body needs none of it; the
review log is otherwise never deleted).
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from centres import personal_data
from centres.models import User
from practice.models import (
    CardState,
    PracticeSession,
    PracticeSettings,
    ReviewLog,
    UnitGoal,
)


def export(user: User) -> dict[str, Any]:
    settings = PracticeSettings.objects.filter(learner=user).first()
    return {
        "settings": None
        if settings is None
        else {
            "desired_retention": settings.desired_retention,
            "new_cards_per_day": settings.new_cards_per_day,
            "reviews_per_day": settings.reviews_per_day,
            "session_size": settings.session_size,
            "reminders": settings.reminders,
            "catch_up": settings.catch_up,
            "catch_up_days": settings.catch_up_days,
            "last_reminded_on": settings.last_reminded_on,
        },
        "goals": [
            {"unit": str(g.unit), "exam_date": g.exam_date}
            for g in UnitGoal.objects.filter(learner=user).select_related("unit")
        ],
        "card_states": [
            {
                "card": s.card_id,
                "question": s.card.front,
                "state": s.state,
                "stability": s.stability,
                "difficulty": s.difficulty,
                "due": s.due,
                "last_review": s.last_review,
                "reps": s.reps,
                "lapses": s.lapses,
            }
            for s in CardState.objects.filter(learner=user)
            .select_related("card")
            .order_by("pk")
        ],
        "reviews": list(
            ReviewLog.objects.filter(learner=user)
            .order_by("reviewed_at", "pk")
            .values(
                "card_id",
                "unit_id",
                "rating",
                "reviewed_at",
                "state_before",
                "state_after",
                "stability_after",
                "difficulty_after",
                "due_after",
                "desired_retention",
            )
        ),
        "sessions": list(
            PracticeSession.objects.filter(learner=user)
            .order_by("started_at")
            .values(
                "unit_id",
                "target",
                "started_at",
                "ended_at",
                "reviewed",
                "again",
                "hard",
                "good",
                "easy",
            )
        ),
    }


def anonymise(user: User) -> None:
    """Delete the learner's practice history (nothing in it must be kept)."""
    ReviewLog.objects.filter(learner=user).delete()
    PracticeSession.objects.filter(learner=user).delete()
    CardState.objects.filter(learner=user).delete()
    UnitGoal.objects.filter(learner=user).delete()
    PracticeSettings.objects.filter(learner=user).delete()


def summary(user: User) -> dict[str, list[tuple[Any, int]]]:
    return {
        "removed": [
            (
                _("Practice reviews and sessions"),
                ReviewLog.objects.filter(learner=user).count()
                + PracticeSession.objects.filter(learner=user).count(),
            ),
            (
                _("Practice settings and exam dates"),
                PracticeSettings.objects.filter(learner=user).count()
                + UnitGoal.objects.filter(learner=user).count(),
            ),
        ],
        "kept": [],
    }


def register() -> None:
    personal_data.register(
        "practice", export=export, anonymise=anonymise, summary=summary
    )
