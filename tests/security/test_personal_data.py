"""Subject access export and erasure, through the registry in centres/personal_data."""

import io
import json
import logging
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from centres import personal_data
from centres.models import Enrolment, Membership
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_part():
    """A stand-in for a higher app registering its part (portfolio, assessments)."""
    calls = []
    name = default_storage.save("security-test/evidence.txt", ContentFile(b"my log"))
    personal_data.register(
        "zz_test_app",
        export=lambda user: {"notes": [f"note of {user.pk}"]},
        files=lambda user: [("../evidence.txt", default_storage.open(name))],
        anonymise=lambda user: calls.append(user.pk),
    )
    yield calls
    personal_data._parts.pop("zz_test_app", None)
    default_storage.delete(name)


def test_export_is_a_zip_of_json_per_app_and_the_files(
    enrolled_learner, cohort, extra_part
):
    enrolled_learner.email = "sam@example.org"
    enrolled_learner.save()

    data = personal_data.export_zip(user=enrolled_learner)

    archive = zipfile.ZipFile(io.BytesIO(data))
    # One JSON per registered app (portfolio, practice, ... as well), plus files.
    assert {
        "centres.json",
        "files/zz_test_app/evidence.txt",
        "zz_test_app.json",
    } <= set(archive.namelist())
    assert [n for n in archive.namelist() if n.startswith("files/")] == [
        "files/zz_test_app/evidence.txt"
    ]
    centres = json.loads(archive.read("centres.json"))
    assert centres["profile"]["username"] == "learner"
    assert centres["profile"]["email"] == "sam@example.org"
    assert centres["enrolments"][0]["cohort"] == cohort.name
    assert centres["memberships"] == [
        {
            "centre": "Northgate College",
            "role": "learner",
            "since": centres["memberships"][0]["since"],
        }
    ]
    assert json.loads(archive.read("zz_test_app.json")) == {
        "notes": [f"note of {enrolled_learner.pk}"]
    }
    assert archive.read("files/zz_test_app/evidence.txt") == b"my log"


def test_erasure_anonymises_keeps_enrolment_and_blocks_sign_in(
    enrolled_learner, cohort, extra_part, centre_admin, caplog
):
    Enrolment.objects.filter(learner=enrolled_learner).update(learner_reference="ULN-1")

    with caplog.at_level(logging.INFO, logger="criterion.audit"):
        personal_data.person_anonymise(user=enrolled_learner, actor=centre_admin)

    enrolled_learner.refresh_from_db()
    assert enrolled_learner.username == f"erased-{enrolled_learner.pk}"
    assert (enrolled_learner.first_name, enrolled_learner.last_name) == (
        "Erased",
        "person",
    )
    assert enrolled_learner.email == ""
    assert not enrolled_learner.has_usable_password()
    assert Enrolment.objects.get(learner=enrolled_learner).learner_reference == ""
    assert Membership.objects.filter(user=enrolled_learner).count() == 1
    assert extra_part == [enrolled_learner.pk]
    assert (
        f"personal_data.erased subject={enrolled_learner.pk} actor={centre_admin.pk}"
        in caplog.text
    )
    response = Client().post(
        reverse("login"), {"username": "learner", "password": factories.PASSWORD}
    )
    assert response.status_code == 200  # the form again: no such account any more


def test_erasure_is_all_or_nothing(enrolled_learner):
    def broken(user):
        raise RuntimeError("portfolio could not erase")

    personal_data.register("zz_broken", anonymise=broken)
    try:
        with pytest.raises(RuntimeError):
            personal_data.person_anonymise(user=enrolled_learner)
    finally:
        personal_data._parts.pop("zz_broken", None)

    enrolled_learner.refresh_from_db()
    assert enrolled_learner.username == "learner"
    assert enrolled_learner.has_usable_password()


def test_audit_hooks_hear_about_exports(learner):
    heard = []
    hook = lambda **event: heard.append(event)  # noqa: E731
    personal_data.register_audit_hook(hook)
    try:
        personal_data.export_zip(user=learner)
    finally:
        personal_data._audit_hooks.remove(hook)

    assert heard == [
        {
            "event": "personal_data.exported",
            "subject": learner,
            "actor": None,
            "centre": None,
        }
    ]
