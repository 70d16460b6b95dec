"""Hooks that let higher apps (assessments) add to portfolio pages and exports.

portfolio/ sits below assessments/ and must not import it. An app above registers
from its AppConfig.ready():

    from portfolio import extensions
    extensions.register_submission_link(
        extensions.SubmissionLink(_("Feedback"), "assessments:feedback",
                                  frozenset({"learner", "admin"}))
    )
    extensions.register_export_section("assessments.feedback", render_feedback)

A link is shown on the unit page once the submission has a version, reversed with
the submission's pk. An export section is called with the Submission and returns
HTML (escaped by its own template) added to the PDF under "Feedback history".
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.safestring import SafeString


@dataclass(frozen=True)
class SubmissionLink:
    label: str
    url_name: str
    roles: frozenset[str]
    order: int = 50


_links: dict[str, SubmissionLink] = {}
_export_sections: dict[str, Callable[..., SafeString | str]] = {}


def register_submission_link(link: SubmissionLink) -> None:
    _links[link.url_name] = link


def submission_links(roles: frozenset[str]) -> list[SubmissionLink]:
    return sorted(
        (link for link in _links.values() if link.roles & roles),
        key=lambda link: (link.order, str(link.label)),
    )


def register_export_section(key: str, render: Callable[..., SafeString | str]) -> None:
    _export_sections[key] = render


def export_sections(submission) -> list[SafeString | str]:
    return [render(submission) for _key, render in sorted(_export_sections.items())]
