"""`seed_demo` builds a lived-in world once, and running it again changes nothing."""

import json
import re
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command

from centres.models import Centre, Membership, Role
from portfolio.models import Submission, SubmissionStatus

pytestmark = pytest.mark.django_db(transaction=True)


def _row_counts() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label not in {"sessions", "admin", "axes"}
    }


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_seed_demo_json_lists_every_account_with_its_role_and_centre():
    accounts = json.loads(_seed("--json", "--password", "s3cret-demo"))

    assert {a["password"] for a in accounts} == {"s3cret-demo"}
    assert set(accounts[0]) == {"username", "password", "role", "centre"}
    for centre in ("Northgate College", "Riverside Training"):
        roles = [a["role"] for a in accounts if a["centre"] == centre]
        assert roles.count(Role.ADMIN) == 1
        assert roles.count(Role.ASSESSOR) == 2
        assert roles.count(Role.IQA) == 1
        assert roles.count(Role.LEARNER) >= 8


def test_seed_demo_twice_changes_nothing():
    _seed()
    before = _row_counts()

    _seed()

    assert _row_counts() == before


def test_demo_world_is_lived_in_for_every_role():
    _seed()

    assert Centre.objects.count() == 2
    for centre in Centre.objects.all():
        statuses = set(
            Submission.objects.filter(centre=centre).values_list("status", flat=True)
        )
        assert statuses == set(SubmissionStatus.values), centre.name
        assert Membership.objects.filter(centre=centre, role=Role.LEARNER).count() >= 8
    assert apps.get_model("assessments", "AssessmentDecision").objects.exists()
    assert apps.get_model("practice", "ReviewLog").objects.exists()


def test_seed_demo_can_grow_a_larger_world():
    _seed("--learners", "40")

    learners = Membership.objects.filter(role=Role.LEARNER).count()
    assert learners == 80


def test_the_demo_admin_log_keeps_an_import_with_its_enrolments():
    _seed()

    from centres.models import AdminAction, AdminEvent

    imports = AdminEvent.objects.filter(action=AdminAction.LEARNERS_IMPORTED)
    assert imports.exists()
    for imported in imports:
        # named like a file someone saved, from the cohort's name
        assert re.match(r"[a-z0-9-]+-learners\.xlsx: ", imported.detail)
        enrolled = AdminEvent.objects.filter(
            action=AdminAction.LEARNER_ENROLLED,
            cohort=imported.cohort,
            detail__startswith="From import",
        ).values_list("created_at", flat=True)
        assert enrolled
        # the console shows them at the moment of the import, not days later
        assert all(
            0 <= (moment - imported.created_at).total_seconds() < 60
            for moment in enrolled
        ), imported.cohort.name
    # and the log still reads over weeks, not all at one moment
    days = {e.created_at.date() for e in AdminEvent.objects.all()}
    assert len(days) > 3


def test_demo_portfolios_were_written_over_weeks():
    _seed()

    from django.db.models import Count, F

    from portfolio.models import Evidence

    # every piece last changed after it was written
    assert not Evidence.objects.filter(updated_at__lt=F("created_at")).exists()
    # and a unit's pieces were written at different moments, not all at once
    units = (
        Evidence.objects.order_by()
        .values("learner_id", "unit_id")
        .annotate(pieces=Count("pk"), moments=Count("created_at", distinct=True))
        .filter(pieces__gt=1)
    )
    assert units
    assert all(unit["moments"] > 1 for unit in units), list(units)
