"""Unit and topic pages, search, and the browser upload."""

from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from revision import importer, services
from revision.models import DocumentImport, Topic
from revision.parsers.document import FAQ, KeyConcept, Misconception, ParsedDocument
from tests import factories

FIXTURES = Path(__file__).parent / "fixtures"
UNIT = "Build and maintain effective customer relations"


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


@pytest.fixture
def seeded(qualification):
    """The three seed documents imported into the cohort's qualification."""
    results = []
    for path in sorted(FIXTURES.glob("0*.txt")):
        results += importer.path_import(
            path=path, qualification_title=qualification.title, unit_title=UNIT
        )
    return {r.source_name: r.topic for r in results}


def topic_url(topic: Topic) -> str:
    return reverse("revision:topic-detail", args=[topic.unit.slug, topic.slug])


@pytest.mark.django_db
def test_unit_page_lists_outcomes_and_topics(client_for, enrolled_learner, seeded):
    unit = seeded["002_fb371deb7646f730.txt"].unit

    response = client_for(enrolled_learner).get(
        reverse("revision:unit-detail", args=[unit.slug])
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Learning outcome 2" in html
    assert (
        "Be able to determine the scope for building effective relationships with "
        "customers" in html
    )
    for topic in seeded.values():
        assert topic_url(topic) in html


@pytest.mark.django_db
def test_topic_page_shows_every_section(client_for, enrolled_learner, seeded):
    topic = seeded["002_fb371deb7646f730.txt"]

    response = client_for(enrolled_learner).get(topic_url(topic))

    assert response.status_code == 200
    html = response.content.decode()
    assert "What assessors look for" in html
    assert html.count('id="marking-points-') == 5
    assert html.count('id="misconceptions-') == 8
    assert html.count('class="correction') == 3
    assert "Complaints are always negative." in html
    assert 'id="prior-knowledge-3"' in html
    assert "css/revision.css" in html
    assert "Customer service excellence" in html


@pytest.mark.django_db
def test_learner_from_another_centre_gets_404(client_for, other_learner, seeded):
    topic = seeded["000_62dfabb6da7b12c3.txt"]
    client = client_for(other_learner)

    assert client.get(topic_url(topic)).status_code == 404
    assert (
        client.get(reverse("revision:unit-detail", args=[topic.unit.slug])).status_code
        == 404
    )


def _doc(size: int) -> ParsedDocument:
    return ParsedDocument(
        title=f"Topic with {size} of everything",
        qualification_title="",
        unit_title=UNIT,
        synopsis="A synopsis.",
        key_concepts=[KeyConcept(f"Term {i}", "Explained.") for i in range(size)],
        exam_tips=[f"Tip {i}" for i in range(size)],
        misconceptions=[Misconception(f"Wrong {i}", "Right.") for i in range(size)],
        marking_points=[f"Point {i}" for i in range(size)],
        learning_outcomes=[f"Understand thing {i}" for i in range(size)],
        prior_knowledge=[f"Know {i}" for i in range(size)],
        key_terms=[f"Key term {i}" for i in range(size)],
        faqs=[FAQ(f"Question {i}?", "Answer.") for i in range(size)],
    )


@pytest.mark.django_db
def test_topic_page_query_count_is_constant(
    client_for, enrolled_learner, qualification
):
    client = client_for(enrolled_learner)
    counts = []
    for size in (1, 30):
        doc = _doc(size)
        doc.qualification_title = qualification.title
        topic = importer.topic_import(doc=doc, source_name=f"size-{size}.txt").topic
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(topic_url(topic))
        assert response.status_code == 200
        assert response.content.decode().count('id="faqs-') == size
        counts.append(len(queries))

    assert counts[0] == counts[1]

    # A second view is served from the cache: the ten content queries and the
    # header's (who may see it, its titles, its content version) are skipped.
    # (Sessions are left out: clearing the cache made the first view load it.)
    with CaptureQueriesContext(connection) as cached:
        client.get(topic_url(topic))

    def without_session(captured) -> int:
        return sum("django_session" not in q["sql"] for q in captured)

    assert without_session(cached) == without_session(queries) - 11


@pytest.mark.django_db
def test_topic_cache_is_refreshed_after_reimport(
    client_for, enrolled_learner, qualification
):
    client = client_for(enrolled_learner)
    doc = _doc(2)
    doc.qualification_title = qualification.title
    topic = importer.topic_import(doc=doc, source_name="t.txt").topic
    assert "Tip 1" in client.get(topic_url(topic)).content.decode()

    doc.exam_tips = ["A brand new tip"]
    importer.topic_import(doc=doc, source_name="t.txt")

    html = client.get(topic_url(topic)).content.decode()
    assert "A brand new tip" in html
    assert "Tip 1" not in html


@pytest.mark.django_db
def test_topic_page_shows_new_references_after_another_topic_is_imported(
    client_for, enrolled_learner, qualification
):
    # given the only topic of its unit, viewed once (so its body is cached)
    client = client_for(enrolled_learner)
    first = _doc(2)
    first.qualification_title = qualification.title
    topic = importer.topic_import(doc=first, source_name="first.txt").topic
    assert ">MP2</span>" in client.get(topic_url(topic)).content.decode()
    # when a second topic is imported into the unit, which renumbers every
    # marking point of the unit as "topic.point"
    second = _doc(1)
    second.title = "A second topic"
    second.qualification_title = qualification.title
    importer.topic_import(doc=second, source_name="second.txt")
    # then the first topic's page shows its new references, not the cached ones
    html = client.get(topic_url(topic)).content.decode()
    assert ">MP1.2</span>" in html
    assert ">MP2</span>" not in html


@pytest.mark.django_db
def test_topic_page_shows_an_edit_made_in_the_admin(
    admin_client, enrolled_learner, client_for, qualification
):
    # given a topic viewed once
    doc = _doc(1)
    doc.qualification_title = qualification.title
    topic = importer.topic_import(doc=doc, source_name="t.txt").topic
    learner = client_for(enrolled_learner)
    assert "A synopsis." in learner.get(topic_url(topic)).content.decode()
    # when a superuser rewrites its synopsis in the admin
    change = reverse("admin:revision_topic_change", args=[topic.pk])
    form = admin_client.get(change).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(synopsis="A rewritten synopsis.")
    for prefix in ("marking_points", "key_concepts", "misconceptions"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
            }
        )
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    # then the learner sees the new synopsis
    html = learner.get(topic_url(topic)).content.decode()
    assert "A rewritten synopsis." in html
    assert "A synopsis." not in html


@pytest.mark.django_db
def test_search_finds_a_misconception_by_a_word_in_its_correction(
    client_for, enrolled_learner, seeded
):
    topic = seeded["002_fb371deb7646f730.txt"]

    response = client_for(enrolled_learner).get(
        reverse("revision:search"), {"q": "politeness"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert f"{topic_url(topic)}#misconceptions-6" in html
    assert "<mark>" in html.lower()
    # Seed 001's key concept "Customer needs and expectations" says it too.
    assert "2 results" in html
    assert f"{topic_url(seeded['001_c92eae3347ad0328.txt'])}#key-concepts-1" in html


@pytest.mark.django_db
def test_search_shows_reimported_content_at_once(
    client_for, enrolled_learner, qualification
):
    # given a topic and a search for a word it does not use yet (now cached)
    client = client_for(enrolled_learner)
    doc = _doc(2)
    doc.qualification_title = qualification.title
    importer.topic_import(doc=doc, source_name="t.txt")
    search = reverse("revision:search")
    assert "0 results" in client.get(search, {"q": "escalation"}).content.decode()
    # when the topic is re-imported with an exam tip that uses it
    doc.exam_tips = ["Know the escalation route."]
    importer.topic_import(doc=doc, source_name="t.txt")
    # then the same search finds it
    html = client.get(search, {"q": "escalation"}).content.decode()
    assert "1 result" in html
    assert "#exam-tips-1" in html


@pytest.mark.django_db
def test_search_pages_reach_every_hit(client_for, enrolled_learner, qualification):
    # given 25 exam tips that all mention the word
    doc = _doc(1)
    doc.qualification_title = qualification.title
    doc.exam_tips = [f"Rapport tip number {i}." for i in range(1, 26)]
    importer.topic_import(doc=doc, source_name="t.txt")
    client = client_for(enrolled_learner)
    search = reverse("revision:search")
    # when the learner searches, then the first page shows 20 of them
    first = client.get(search, {"q": "rapport"}).content.decode()
    assert "Showing 1\u201320 of 25 results" in first
    assert first.count('class="snippet"') == 20
    assert "page=2" in first
    # and the next page the other 5
    second = client.get(search, {"q": "rapport", "page": "2"}).content.decode()
    assert "Showing 21\u201325 of 25 results" in second
    assert second.count('class="snippet"') == 5
    assert 'start="21"' in second
    anchors = {
        anchor
        for html in (first, second)
        for anchor in (f"#exam-tips-{i}" for i in range(1, 26))
        if anchor + '"' in html
    }
    assert len(anchors) == 25
    # a page past the end shows the last one
    past = client.get(search, {"q": "rapport", "page": "9"}).content.decode()
    assert "Showing 21\u201325 of 25 results" in past


@pytest.mark.django_db
def test_search_is_scoped_to_the_actors_units(client_for, other_learner, seeded):
    other_cohort = factories.CohortFactory(
        centre=other_learner.memberships.get().centre
    )
    factories.EnrolmentFactory(learner=other_learner, cohort=other_cohort)

    response = client_for(other_learner).get(
        reverse("revision:search"), {"q": "politeness"}
    )

    assert "misconceptions-6" not in response.content.decode()
    assert "0 results" in response.content.decode()


@pytest.mark.django_db
def test_search_escapes_imported_text(client_for, enrolled_learner, qualification):
    doc = _doc(1)
    doc.qualification_title = qualification.title
    doc.exam_tips = ["Beware <script>alert(1)</script> tricks"]
    importer.topic_import(doc=doc, source_name="x.txt")

    response = client_for(enrolled_learner).get(
        reverse("revision:search"), {"q": "tricks"}
    )

    html = response.content.decode()
    # SQLite shows the text escaped; PostgreSQL's headline drops tag tokens.
    assert "<script>alert(1)" not in html
    assert "<mark>tricks</mark>" in html


@pytest.mark.django_db
def test_search_htmx_returns_only_the_results(client_for, enrolled_learner, seeded):
    response = client_for(enrolled_learner).get(
        reverse("revision:search"), {"q": "politeness"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="results"')
    assert "<nav" not in html


@pytest.mark.django_db
def test_upload_queues_one_task_and_the_status_page_shows_the_result(
    client_for, centre_admin, cohort, django_capture_on_commit_callbacks
):
    client = client_for(centre_admin)
    data = (FIXTURES / "002_fb371deb7646f730.txt").read_bytes()

    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(
            reverse("revision:upload"),
            {
                "qualification": cohort.qualification.pk,
                "document": SimpleUploadedFile("page.txt", data),
            },
        )

    upload = DocumentImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("revision:import-status", args=[upload.pk])
    assert len(callbacks) == 1
    status = client.get(response.url)
    assert 'hx-trigger="every 1s"' in status.content.decode()
    assert Topic.objects.count() == 0

    # when the worker runs the task (here: the service it wraps, twice)
    services.document_import_run(import_id=upload.pk)
    services.document_import_run(import_id=upload.pk)

    upload.refresh_from_db()
    assert upload.status == DocumentImport.Status.DONE
    assert Topic.objects.count() == 1
    page = client.get(response.url, headers={"HX-Request": "true"}).content.decode()
    assert "every 1s" not in page
    assert "Imported." in page
    assert "8 misconceptions" in page
    assert topic_url(Topic.objects.get()) in page


@pytest.mark.django_db
def test_failed_upload_names_the_file_and_writes_nothing(
    client_for, centre_admin, cohort, django_capture_on_commit_callbacks
):
    client = client_for(centre_admin)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(
            reverse("revision:upload"),
            {
                "qualification": cohort.qualification.pk,
                "unit_title": "A unit",
                "document": SimpleUploadedFile(
                    "notes.txt", "Caf\u00e9".encode("cp1252")
                ),
            },
        )
    upload = DocumentImport.objects.get()

    services.document_import_run(import_id=upload.pk)

    upload.refresh_from_db()
    assert upload.status == DocumentImport.Status.FAILED
    assert upload.message.startswith("notes.txt: the file is not UTF-8 text")
    assert Topic.objects.count() == 0
    page = client.get(reverse("revision:import-status", args=[upload.pk]))
    assert "nothing was changed" in page.content.decode()


@pytest.mark.django_db
def test_learners_cannot_upload(client_for, enrolled_learner, cohort):
    response = client_for(enrolled_learner).post(
        reverse("revision:upload"),
        {
            "qualification": cohort.qualification.pk,
            "document": SimpleUploadedFile("a.txt", b"Key Concepts\n- A: b\n"),
        },
    )

    assert response.status_code == 403
    assert DocumentImport.objects.count() == 0


@pytest.mark.django_db
def test_upload_form_keeps_input_on_error(client_for, centre_admin, cohort):
    response = client_for(centre_admin).post(
        reverse("revision:upload"),
        {"qualification": cohort.qualification.pk, "unit_title": "My unit"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="My unit"' in html
    assert DocumentImport.objects.count() == 0


def test_an_assessor_taken_off_the_cohort_loses_the_cached_topic_at_once(
    client_for, assessor, cohort, centre_admin, qualification
):
    from centres import services as centre_services

    doc = _doc(1)
    doc.qualification_title = qualification.title
    topic = importer.topic_import(doc=doc, source_name="unassigned.txt").topic
    client = client_for(assessor)
    assert client.get(topic_url(topic)).status_code == 200
    assert client.get(topic_url(topic)).status_code == 200  # now from the cache

    centre_services.cohort_staff_set(
        cohort=cohort, assessors=[], iqas=[], actor=centre_admin
    )

    assert client.get(topic_url(topic)).status_code == 404
