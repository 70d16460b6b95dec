"""bench/dataset.py gives every page of issue #8 an object owned by the user who
requests it, at the issue's sizes, on top of the demo world: each page then answers
200 to that user (the marking screen is in the bench assessor's own cohort)."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client

from bench import dataset, pages
from bench.run import Context, resolve_page
from practice.models import ReviewLog
from revision.models import Unit

pytestmark = pytest.mark.django_db(transaction=True)

MEASURED = [
    "portfolio page",
    "coverage matrix",
    "marking queue",
    "marking screen",
    "practice page (new learner)",
    "practice page (5,000 reviews)",
]


def test_bench_objects_exist_at_their_sizes_and_every_page_answers_its_user():
    call_command(
        "seed_demo", "--learners", "12", "--password", "demo", stdout=StringIO(),
        stderr=StringIO(),
    )  # fmt: skip
    ctx = Context()
    made = dataset.build(ctx, mode="quick", password="demo", say=lambda _m: None)

    assert made["portfolio"]["evidence"] == 200
    assert made["marking"]["evidence"] == 100
    assert made["queue"]["waiting"] == 500
    assert made["queue"]["assessor"] == ctx.user_for("assessor").username
    practice_unit = Unit.objects.order_by("pk").first()
    heavy = ReviewLog.objects.filter(learner__username=dataset.PRACTICE_HEAVY)
    assert heavy.filter(unit=practice_unit).count() == 5000
    assert not ReviewLog.objects.filter(learner__username=dataset.PRACTICE_NEW)
    # The demo's "first learner" is still a demo learner, not a bench one.
    assert not ctx.user_for("learner").username.startswith("zbench-")

    by_name = {p.name: p for p in pages.PAGES}
    for name in MEASURED:
        path, user = resolve_page(by_name[name], ctx)
        browser = Client()
        browser.force_login(user)
        response = browser.get(path)
        assert response.status_code == 200, (name, path, response.status_code)
    screen = Client()
    screen.force_login(ctx.user_for("assessor"))
    path, _user = resolve_page(by_name["marking screen"], ctx)
    assert screen.get(path).text.count('class="evidence-item') in (0, 100)
