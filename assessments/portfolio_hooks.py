"""What assessments adds to portfolio pages and the portfolio PDF.

portfolio/ sits below us and cannot import assessments, so it offers hooks
(portfolio/extensions.py) which AssessmentsConfig.ready() fills through register().
"""

from django.db.models import Prefetch
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext as gettext_now
from django.utils.translation import gettext_lazy as _

from assessments import selectors
from assessments.models import AssessmentDecision, DecisionJudgement, ReleaseStatus
from centres.models import Role
from portfolio import extensions
from portfolio.models import SubmissionStatus


def resubmission_refusal(submission) -> str:
    """Why a returned unit may not be resubmitted now ("" when it may): the
    qualification's limit on resubmissions, or its window after feedback."""
    if submission.status != SubmissionStatus.RETURNED:
        return ""
    allowance = selectors.resubmission_allowance(submission=submission)
    if allowance.allowed:
        return ""
    who = dict(Role.choices).get(allowance.authoriser_role, allowance.authoriser_role)
    if allowance.reason == "window" and allowance.deadline:
        closed = formats.date_format(timezone.localtime(allowance.deadline), "j F Y")
        return gettext_now(
            "The time to resubmit this unit ended on %(date)s. Ask your %(who)s to "
            "authorise a late resubmission."
        ) % {"date": closed, "who": str(who).lower()}
    return gettext_now(
        "You have used all %(limit)s resubmissions this qualification allows. Ask "
        "your %(who)s to authorise another."
    ) % {"limit": allowance.max_resubmissions, "who": str(who).lower()}


def feedback_history_html(submission) -> SafeString:
    """The released decisions on a submission, newest first, for the portfolio PDF.

    Feedback the learner has not been given yet (awaiting release) is left out, so
    the PDF never shows more than the learner's own feedback page."""
    decisions = (
        AssessmentDecision.objects.filter(
            submission=submission, release__status=ReleaseStatus.RELEASED
        )
        .select_related("assessor", "submission_version", "release")
        .prefetch_related(
            Prefetch(
                "judgements",
                queryset=DecisionJudgement.objects.select_related(
                    "marking_point"
                ).order_by("marking_point__topic__position", "marking_point__position"),
            )
        )
        .order_by("-created_at", "-pk")
    )
    return render_to_string(
        "assessments/export_feedback.html", {"decisions": list(decisions)}
    )


def feedback_released(submission) -> bool:
    """Whether the learner has feedback to read on the submission. Releasing it is
    what moves a submission to returned or achieved, and a resubmission (version 2
    on) follows released feedback on the version before."""
    return (
        submission.status in {SubmissionStatus.RETURNED, SubmissionStatus.ACHIEVED}
        or submission.current_version > 1
    )


def register() -> None:
    extensions.register_submission_link(
        extensions.SubmissionLink(
            _("Read your feedback"),
            "assessments:feedback",
            frozenset({Role.LEARNER}),
            shown_for=feedback_released,
        )
    )
    # Staff reach the marking record (and, beyond the rules, the authorise form)
    # of a unit submitted at least once.
    extensions.register_submission_link(
        extensions.SubmissionLink(
            _("Open in the marking console"),
            "assessments:mark",
            frozenset({Role.ASSESSOR, Role.ADMIN}),
            shown_for=lambda submission: submission.current_version > 0,
        )
    )
    extensions.register_export_section("assessments.feedback", feedback_history_html)
    extensions.register_submit_guard("assessments.resubmission", resubmission_refusal)
