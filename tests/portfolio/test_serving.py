"""Files are served only to people allowed to see them, never as something a
browser would run."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from portfolio import services
from tests import factories
from tests.portfolio import samples


def stored(learner, centre, unit, name, data):
    return services.file_upload(
        learner=learner,
        centre=centre,
        unit=unit,
        title=name,
        upload=SimpleUploadedFile(name, data),
    )


@pytest.fixture
def photo(enrolled_learner, centre, unit):
    return stored(enrolled_learner, centre, unit, "photo.png", samples.PNG)


def test_the_owner_downloads_with_safe_headers(client_for, enrolled_learner, photo):
    response = client_for(enrolled_learner).get(
        reverse("portfolio:evidence-file", args=[photo.pk])
    )

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == samples.PNG
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="photo.png"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    assert response["Cache-Control"] == "private, no-store"


def test_an_image_may_be_shown_inline_on_request(client_for, enrolled_learner, photo):
    response = client_for(enrolled_learner).get(
        reverse("portfolio:evidence-file", args=[photo.pk]) + "?inline=1"
    )

    assert response["Content-Disposition"] == 'inline; filename="photo.png"'


def test_text_is_never_served_inline(client_for, enrolled_learner, centre, unit):
    notes = stored(enrolled_learner, centre, unit, "notes.txt", b"Plain notes.")

    response = client_for(enrolled_learner).get(
        reverse("portfolio:evidence-file", args=[notes.pk]) + "?inline=1"
    )

    assert response["Content-Disposition"] == 'attachment; filename="notes.txt"'
    assert response["Content-Type"] == "text/plain"


def test_the_cohorts_assessor_may_download(client_for, assessor, photo):
    response = client_for(assessor).get(
        reverse("portfolio:evidence-file", args=[photo.pk])
    )

    assert response.status_code == 200


def test_another_learner_guessing_the_url_gets_404(client_for, centre, cohort, photo):
    peer = factories.member(centre, "learner", username="peer")
    factories.EnrolmentFactory(learner=peer, cohort=cohort)

    for name in ("evidence-file", "evidence-detail"):
        response = client_for(peer).get(reverse(f"portfolio:{name}", args=[photo.pk]))
        assert response.status_code == 404


def test_another_centres_admin_gets_404(client_for, other_admin, photo):
    response = client_for(other_admin).get(
        reverse("portfolio:evidence-file", args=[photo.pk])
    )

    assert response.status_code == 404


def test_an_unassigned_assessor_gets_404(client_for, centre, photo):
    stranger = factories.member(centre, "assessor", username="stranger")

    response = client_for(stranger).get(
        reverse("portfolio:evidence-file", args=[photo.pk])
    )

    assert response.status_code == 404
