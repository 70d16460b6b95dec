"""Hooks that let higher apps (assessments) add to portfolio pages and exports.

portfolio/ sits below assessments/ and must not import it. An app above registers
from its AppConfig.ready():

    from portfolio import extensions
    extensions.register_submission_link(
        extensions.SubmissionLink(_("Feedback"), "assessments:feedback",
                                  frozenset({"learner", "admin"}))
    )
    extensions.register_export_section("assessments.feedback", render_feedback)

A link is shown on the unit page to the roles it names, for a submission its
`shown_for` accepts (any, by default), reversed with the submission's pk. An export
section is called with the Submission and returns HTML (escaped by its own template)
added to the PDF under "Feedback history".
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


def _always(_submission) -> bool:
    return True


@dataclass(frozen=True)
class SubmissionLink:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 50
    # Whether the link leads anywhere for this Submission (read from its own
    # fields: the unit page must not spend a query per link).
    shown_for: Callable[..., bool] = _always


_links: dict[str, SubmissionLink] = {}
_export_sections: dict[str, Callable[..., SafeString | str]] = {}


def register_submission_link(link: SubmissionLink) -> None:
    _links[link.url_name] = link


def submission_links(roles: frozenset[str], submission) -> list[SubmissionLink]:
    return sorted(
        (
            link
            for link in _links.values()
            if link.roles & roles and link.shown_for(submission)
        ),
        key=lambda link: (link.order, str(link.label)),
    )


def register_export_section(key: str, render: Callable[..., SafeString | str]) -> None:
    _export_sections[key] = render


def export_sections(submission) -> list[SafeString | str]:
    """The registered sections' HTML, leaving out those with nothing to say."""
    rendered = (render(submission) for _key, render in sorted(_export_sections.items()))
    return [html for html in rendered if str(html).strip()]


# A guard is called with the learner's Submission (locked) before it is submitted
# and returns "" to allow it or a message saying why it may not be submitted now
# (assessments/ uses this for the qualification's resubmission rules).
_submit_guards: dict[str, Callable[..., str]] = {}


def register_submit_guard(key: str, guard: Callable[..., str]) -> None:
    _submit_guards[key] = guard


def submit_refusals(submission) -> list[str]:
    return [
        message
        for _key, guard in sorted(_submit_guards.items())
        if (message := guard(submission))
    ]
