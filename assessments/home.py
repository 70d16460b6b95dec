"""Navigation items and home-page panels for marking and quality assurance."""

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from centres import caching
from centres.models import Role
from centres.navigation import HomePanel, NavItem, register_nav, register_panel


def marking_versions(request: HttpRequest) -> list[str]:
    return [caching.marking(request.centre.pk), caching.cohorts(request.centre.pk)]


def assessor_queue(request: HttpRequest) -> dict[str, Any]:
    from assessments import selectors

    return selectors.queue_summary(
        user=request.user, centre=request.centre, roles=request.roles
    )


def iqa_samples(request: HttpRequest) -> dict[str, Any]:
    from assessments import selectors

    return {"awaiting": selectors.iqa_sample_count(centre=request.centre)}


def learner_feedback(request: HttpRequest) -> dict[str, Any]:
    from assessments import selectors

    return {
        "decisions": selectors.feedback_latest_for_learner(
            learner=request.user, centre=request.centre, limit=5
        )
    }


def register() -> None:
    markers = frozenset({Role.ASSESSOR, Role.ADMIN})
    register_nav(NavItem(_("Marking queue"), "assessments:queue", markers, order=40))
    register_nav(
        NavItem(
            _("Quality assurance"), "assessments:iqa", frozenset({Role.IQA}), order=45
        )
    )
    register_nav(
        NavItem(
            _("Feedback"),
            "assessments:feedback-list",
            frozenset({Role.LEARNER}),
            order=35,
        )
    )
    register_panel(
        HomePanel(
            key="assessments.queue",
            template="assessments/panels/queue.html",
            roles=markers,
            context=assessor_queue,
            order=20,
            versions=marking_versions,
        )
    )
    register_panel(
        HomePanel(
            key="assessments.iqa",
            template="assessments/panels/iqa.html",
            roles=frozenset({Role.IQA}),
            context=iqa_samples,
            order=25,
        )
    )
    register_panel(
        HomePanel(
            key="assessments.feedback",
            template="assessments/panels/feedback.html",
            roles=frozenset({Role.LEARNER}),
            context=learner_feedback,
            order=30,
            versions=caching.learner_view,
        )
    )
