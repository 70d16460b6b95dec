"""The marking queue: counts worked out by the database with the working-day rules,
a page of rows at a time, and filters that narrow both."""

import datetime as dt
import itertools
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors, services, workdays
from portfolio.models import Submission, SubmissionVersion
from tests import factories

LONDON = zoneinfo.ZoneInfo("Europe/London")
_names = itertools.count()


def waiting(cohort, unit, when, *, version=1, status="submitted"):
    """A waiting submission by a new learner on `cohort`, sent at `when`."""
    learner = factories.member(cohort.centre, "learner", username=f"q{next(_names)}")
    factories.EnrolmentFactory(learner=learner, cohort=cohort)
    submission = Submission.objects.create(
        learner=learner,
        unit=unit,
        centre=cohort.centre,
        status=status,
        current_version=version,
        submitted_at=when,
    )
    SubmissionVersion.objects.create(
        submission=submission, number=version, snapshot={"evidence_ids": []}
    )
    return submission


@pytest.mark.parametrize("target", [0, 1, 4, 5, 10, 13, 31])
def test_latest_start_beyond_agrees_with_working_days(target):
    for today in (dt.date(2026, 11, 16) + dt.timedelta(days=n) for n in range(14)):
        latest = workdays.latest_start_beyond(target, today)
        for back in range(60):
            start = today - dt.timedelta(days=back)
            overdue = workdays.working_days_between(start, today) > target
            assert overdue == (start <= latest), (today, start, target)


def test_counts_follow_each_cohorts_target_in_working_days(
    centre, cohort, assessor, unit
):
    # given: the centre's target (10) on one cohort, 3 working days on another,
    # and submissions either side of each target, one sent just after midnight
    # on a Saturday in summer time (still Friday night in UTC)
    quick = factories.CohortFactory(
        centre=centre, qualification=cohort.qualification, marking_target_days=3
    )
    quick.assessors.add(assessor)
    today = dt.date(2026, 7, 8)  # a Wednesday
    sent = [
        dt.datetime(2026, 7, 2, 9, 0, tzinfo=LONDON),  # Thursday: 4 days
        dt.datetime(2026, 7, 3, 17, 0, tzinfo=LONDON),  # Friday: 3 days
        dt.datetime(2026, 7, 4, 0, 30, tzinfo=LONDON),  # Saturday: 3 days
        dt.datetime(2026, 6, 23, 9, 0, tzinfo=LONDON),  # 11 days
        dt.datetime(2026, 6, 24, 9, 0, tzinfo=LONDON),  # 10 days
    ]
    made = [waiting(group, unit, when) for group in (cohort, quick) for when in sent]
    made[0].current_version = 2
    made[0].status = "in_marking"
    made[0].save()

    # when
    queue = selectors.queue_for_actor(
        user=assessor, centre=centre, roles=frozenset({"assessor"}), today=today
    )

    # then: past 10 days only the 11-day one in the first cohort; past 3 days
    # the Thursday one and the two older ones in the quick cohort
    def days(when):
        return workdays.working_days_between(timezone.localdate(when), today)

    expected = sum(1 for w in sent if days(w) > 10) + sum(
        1 for w in sent if days(w) > 3
    )
    assert expected == 4
    assert (queue.total, queue.overdue) == (10, 4)
    assert (queue.resubmissions, queue.in_marking) == (1, 1)
    past = {row.pk for row in queue.rows if row.overdue}
    assert past == {made[3].pk, made[5].pk, made[8].pk, made[9].pk}
    assert {row.target_days for row in queue.rows} == {10, 3}


@pytest.mark.parametrize(
    ("region", "days", "overdue"),
    [("ENG", 1, 0), ("", 3, 1)],  # Christmas Day and Boxing Day (observed) out
)
def test_days_waiting_leave_out_the_centres_bank_holidays(
    centre, cohort, assessor, unit, region, days, overdue
):
    # given: a cohort with a two-day target and work sent on Christmas Eve
    centre.bank_holidays = region
    centre.save()
    cohort.marking_target_days = 2
    cohort.save()
    waiting(cohort, unit, dt.datetime(2026, 12, 24, 10, 0, tzinfo=LONDON))

    # when: the assessor looks on the Tuesday after
    queue = selectors.queue_for_actor(
        user=assessor,
        centre=centre,
        roles=frozenset({"assessor"}),
        today=dt.date(2026, 12, 29),
    )

    # then
    assert [row.days_waiting for row in queue.rows] == [days]
    assert queue.overdue == overdue
    assert [row.overdue for row in queue.rows] == [bool(overdue)]


def test_the_home_panel_counts_agree_with_the_queue(
    client_for, centre, cohort, assessor, unit
):
    now = timezone.now()
    for days_ago in (0, 1, 20, 30):
        waiting(cohort, unit, now - dt.timedelta(days=days_ago))
    queue = selectors.queue_for_actor(
        user=assessor, centre=centre, roles=frozenset({"assessor"})
    )
    assert (queue.total, queue.overdue) == (4, 2)

    page = client_for(assessor).get(reverse("home")).text

    assert "4 submissions waiting to be marked." in page
    assert "2 past the marking target" in page


def test_a_finalised_marking_leaves_the_queue(
    centre, cohort, assessor, unit, submission, points
):
    roles = frozenset({"assessor"})
    assert selectors.queue_for_actor(user=assessor, centre=centre, roles=roles).total
    marking = services.marking_start(assessor=assessor, submission=submission)
    marking = services.marking_save(
        assessor=assessor,
        marking=marking,
        expected_version=marking.version,
        judgements={
            p.pk: services.JudgementInput(value=2, comment="Clear.") for p in points
        },
        summative_feedback="Well done.",
    )
    centre.release_requires_check = True
    centre.save()
    services.marking_finalise(
        assessor=assessor, marking=marking, expected_version=marking.version
    )

    queue = selectors.queue_for_actor(user=assessor, centre=centre, roles=roles)
    summary = selectors.queue_summary(user=assessor, centre=centre, roles=roles)

    assert (queue.total, queue.rows, summary["total"]) == (0, [], 0)


def test_pages_reach_every_row_with_a_visible_position(
    client_for, cohort, assessor, unit
):
    size = selectors.QUEUE_PAGE_SIZE
    start = timezone.now() - dt.timedelta(hours=100)
    made = [
        waiting(cohort, unit, start + dt.timedelta(hours=n)) for n in range(size + 10)
    ]
    client = client_for(assessor)
    url = reverse("assessments:queue")

    first = client.get(url)
    second = client.get(url, {"page": 2})
    beyond = client.get(url, {"page": 9})

    total = size + 10
    assert f"Showing 1\N{EN DASH}{size} of {total}" in first.text
    assert "Page 1 of 2" in first.text
    assert 'href="?page=2" rel="next"' in first.text
    assert f"Showing {size + 1}\N{EN DASH}{total} of {total}" in second.text
    assert 'href="?page=1" rel="prev"' in second.text
    shown = [row.pk for page in (first, second) for row in page.context["queue"].rows]
    assert shown == [s.pk for s in made]  # oldest first, each row once
    assert beyond.context["queue"].page == 2
    assert [r.pk for r in beyond.context["queue"].rows] == [s.pk for s in made[size:]]


def test_filters_narrow_the_rows_and_the_counts(
    client_for, centre, cohort, assessor, unit, qualification
):
    # given: two cohorts and two units, and one overdue submission of each kind
    later = factories.CohortFactory(centre=centre, qualification=qualification)
    later.assessors.add(assessor)
    other_unit = factories.marking_unit(qualification, points=2)
    old = timezone.now() - dt.timedelta(days=30)
    a = waiting(cohort, unit, old)
    b = waiting(cohort, other_unit, timezone.now())
    c = waiting(later, unit, timezone.now())
    client = client_for(assessor)
    url = reverse("assessments:queue")

    # when
    by_unit = client.get(url, {"unit": unit.pk, "page": 1}).context["queue"]
    by_cohort = client.get(url, {"cohort": later.pk}).context["queue"]
    page = client.get(url, {"unit": other_unit.pk}).text

    # then
    assert [r.pk for r in by_unit.rows] == [a.pk, c.pk]
    assert (by_unit.total, by_unit.overdue) == (2, 1)
    assert [r.pk for r in by_cohort.rows] == [c.pk]
    assert (by_cohort.total, by_cohort.overdue) == (1, 0)
    assert re.search(rf'<option value="{other_unit.pk}" selected>', page)
    assert f"/marking/submissions/{b.pk}/" in page
    assert f"/marking/submissions/{a.pk}/" not in page


def test_admin_sees_one_assessors_queue_when_asked(
    client_for, centre, cohort, assessor, centre_admin, unit, qualification
):
    other = factories.member(centre, "assessor", username="other-assessor")
    theirs = factories.CohortFactory(centre=centre, qualification=qualification)
    theirs.assessors.add(other)
    mine = waiting(cohort, unit, timezone.now())
    not_mine = waiting(theirs, unit, timezone.now())
    client = client_for(centre_admin)
    url = reverse("assessments:queue")

    everyone = client.get(url).context["queue"]
    only_other = client.get(url, {"assessor": other.pk}).context["queue"]

    assert {r.pk for r in everyone.rows} == {mine.pk, not_mine.pk}
    assert [r.pk for r in only_other.rows] == [not_mine.pk]
    assert only_other.total == 1
