"""Issue #7 in the marking console: the criteria suggestions beside each marking
point, as a reading aid that never fills in a judgement."""

import re

import pytest
from django.urls import reverse

from assessments import selectors, services
from assessments.models import MarkingJudgement
from portfolio import services as portfolio_services
from portfolio.models import Evidence, SuggestedMapping
from tests import factories

AID = "Suggested by Criterion, not a judgement"


def suggest(evidence, point, sentences, **fields):
    """Store a suggestion as the portfolio task does."""
    defaults = {
        "backend": "combined",
        "score": 0.62,
        "preselected": True,
        "status": "suggested",
        "computed_for_hash": portfolio_services.text_hash(evidence.plain_text),
    }
    return SuggestedMapping.objects.create(
        evidence=evidence,
        marking_point=point,
        sentences=sentences,
        **{**defaults, **fields},
    )


def point_block(html, point):
    """The HTML of one marking point's fieldset."""
    match = re.search(
        rf'<fieldset class="marking-point[^"]*" id="point-{point.pk}".*?</fieldset>',
        html,
        re.S,
    )
    assert match, f"no fieldset for {point.label}"
    return match.group(0)


@pytest.fixture
def log(submission):
    return Evidence.objects.get(learner=submission.learner)


def test_suggested_sentences_are_highlighted_beside_the_point(
    client_for, assessor, submission, points, log
):
    # given: the engine suggested MP2 for the log, on one of its sentences
    sentence = "I apologised, checked the order and booked a redelivery."
    suggest(log, points[1], [sentence])
    services.marking_start(assessor=assessor, submission=submission)

    # when
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))

    # then: beside MP2, labelled, with the item, the sentence, score and backend
    assert page.status_code == 200
    mp2 = point_block(page.text, points[1])
    assert AID in mp2
    assert f'<a href="#evidence-{log.pk}">Handling a complaint 1</a>' in mp2
    assert f"<mark>{sentence}</mark>" in mp2
    assert "match 0.62, combined matcher" in mp2
    # and nowhere else: MP1 and MP3 have no suggestion
    assert AID not in point_block(page.text, points[0])
    assert AID not in point_block(page.text, points[2])
    # the log's text shows the sentence highlighted in place, tagged MP2
    in_place = re.search(
        rf'data-suggested-text="{log.pk}">(.*?)</div>', page.text, re.S
    ).group(1)
    assert f'<mark title="Suggested for MP2">{sentence}</mark>' in in_place
    assert in_place.startswith("A customer rang about a late delivery of a sofa.")
    assert "combined matcher" in page.text
    assert "a reading aid, not a judgement" in page.text


def test_learner_html_in_a_suggested_sentence_is_escaped(
    client_for, assessor, enrolled_learner, centre, unit, points
):
    # given: a log whose text holds HTML (services keep what the learner typed)
    evidence = portfolio_services.log_create(
        learner=enrolled_learner,
        centre=centre,
        unit=unit,
        title="Chat <b>log</b>",
        is_draft=False,
        what_happened="A customer wrote in the web chat about a refund.",
        what_i_did='I replied <img src=x onerror="alert(1)"> & <script>alert(2)</script> kindly.',
        outcome="The refund went through the same day.",
        learned="Quote the policy number.",
    )
    submission = portfolio_services.submission_submit(
        learner=enrolled_learner, centre=centre, unit=unit, declared_authentic=True
    )
    evidence.refresh_from_db()
    suggest(evidence, points[0], [evidence.what_i_did])
    services.marking_start(assessor=assessor, submission=submission)

    # when
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))

    # then: the text is shown, escaped, inside the highlight; no markup got through
    escaped = (
        "I replied &lt;img src=x onerror=&quot;alert(1)&quot;&gt; &amp; "
        "&lt;script&gt;alert(2)&lt;/script&gt; kindly."
    )
    assert f"<mark>{escaped}</mark>" in point_block(page.text, points[0])
    assert f'<mark title="Suggested for MP1">{escaped}</mark>' in page.text
    assert "<img src=x" not in page.text
    assert "<script>alert(2)" not in page.text
    assert "Chat &lt;b&gt;log&lt;/b&gt;" in page.text


def test_dismissed_suggestions_are_not_shown(
    client_for, assessor, submission, points, log
):
    suggest(log, points[0], [log.what_happened], status="dismissed")
    suggest(log, points[1], [log.outcome], status="accepted")
    services.marking_start(assessor=assessor, submission=submission)
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))
    assert AID not in point_block(page.text, points[0])
    assert f"<mark>{log.what_happened}</mark>" not in page.text
    assert "Suggested for MP1" not in page.text
    # an accepted suggestion is still a reading aid for the assessor
    assert AID in point_block(page.text, points[1])


def test_suggestions_never_fill_in_a_judgement(
    client_for, assessor, enrolled_learner, centre, unit, points
):
    # given: nothing mapped by the learner, a strong suggestion for MP1
    submission = factories.submitted_portfolio(
        learner=enrolled_learner, centre=centre, unit=unit, map_points=[]
    )
    log = Evidence.objects.get(learner=enrolled_learner)
    suggest(log, points[0], [log.what_i_did], score=3.1)
    client = client_for(assessor)

    # when the assessor starts marking and opens the screen
    client.post(reverse("assessments:start", args=[submission.pk]))
    page = client.get(reverse("assessments:mark", args=[submission.pk]))

    # then: MP1 shows the suggestion but no judgement is chosen, no evidence
    # ticked, no comment written, and nothing is stored
    mp1 = point_block(page.text, points[0])
    assert AID in mp1
    assert not re.search(r"<input[^>]*\schecked", mp1)
    assert f'id="comment-{points[0].pk}" rows="2" data-bank-target></textarea>' in mp1
    assert page.context["screen"].score == (0, 6)
    judgement = MarkingJudgement.objects.get(marking_point=points[0])
    assert judgement.value is None
    assert judgement.comment == ""
    assert list(judgement.evidence.all()) == []


def test_a_sentence_no_longer_in_the_text_is_not_highlighted(
    client_for, assessor, submission, points, log
):
    suggest(log, points[0], ["A sentence the learner has since deleted."])
    services.marking_start(assessor=assessor, submission=submission)
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))
    mp1 = point_block(page.text, points[0])
    assert AID in mp1  # the item is still suggested
    assert "since deleted" not in page.text
    assert "No single sentence stood out." in mp1


def test_suggestions_from_the_portfolio_task_reach_the_marking_screen(
    client_for, assessor, submission, points, log
):
    # given: a marking point the log plainly shows, and the portfolio service the
    # Celery task wraps, with the real engine
    points[1].text = "Apologises to a customer and books a redelivery of a late order."
    points[1].save(update_fields=["text"])
    portfolio_services.evidence_suggest(evidence_id=log.pk)
    stored = list(SuggestedMapping.objects.filter(evidence=log))
    assert any(s.preselected for s in stored)
    services.marking_start(assessor=assessor, submission=submission)

    # when
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))

    # then: every pre-selected suggestion is beside its point with its sentences,
    # and the weaker candidates (often chance matches) are not offered as evidence
    rows = {row.point.pk: row for row in page.context["screen"].points}
    for suggestion in stored:
        hints = rows[suggestion.marking_point_id].suggestions
        if not suggestion.preselected:
            assert hints == []
            continue
        assert [h.evidence.pk for h in hints] == [log.pk]
        assert hints[0].backend == suggestion.backend
        for sentence in suggestion.sentences:
            assert sentence in hints[0].sentences
    assert rows[points[1].pk].suggestions


def test_weaker_suggestions_are_counted_not_shown(
    client_for, assessor, submission, points, log
):
    # given: MP2 pre-selected for the log, and a chance match on MP3 not
    sentence = "I apologised, checked the order and booked a redelivery."
    suggest(log, points[1], [sentence])
    suggest(log, points[2], [sentence], score=0.01, preselected=False)
    services.marking_start(assessor=assessor, submission=submission)

    # when
    page = client_for(assessor).get(reverse("assessments:mark", args=[submission.pk]))

    # then: MP3 offers no "may show this point" aid, and the sentence is tagged MP2
    # only in the log's text
    assert AID in point_block(page.text, points[1])
    assert AID not in point_block(page.text, points[2])
    assert "match 0.01" not in page.text
    assert f'<mark title="Suggested for MP2">{sentence}</mark>' in page.text


def test_highlight_segments_merge_overlaps_and_ignore_missing_text():
    text = "One. Two three. Four."
    segments = selectors.highlight_segments(
        text,
        [("Two three.", "MP1"), ("three. Four.", "MP2"), ("Absent.", "MP3")],
    )
    assert segments == [
        ("One. ", ()),
        ("Two ", ("MP1",)),
        ("three.", ("MP1", "MP2")),
        (" Four.", ("MP2",)),
    ]
    assert "".join(piece for piece, _labels in segments) == text
    assert selectors.highlight_segments(text, [("Absent.", "MP1")]) == [(text, ())]
    assert selectors.highlight_segments("", []) == []
