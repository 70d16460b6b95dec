"""A small world that every page of revision, practice, the console and the reports
can be measured on, and that grows along every axis those pages list (issue #8).

    world = build(centre=..., cohort=..., learner=..., admin=...)
    world.grow(5)    # five more of everything
    world.grow(45)   # fifty in all

Each call to `grow(n)` adds n of: enrolled learners with evidence and a draft
submission (reports), topics with content (revision, search, practice), review
history (practice), cohorts and admin-log rows (console) and rows in the learner's
enrolment import (console).
"""

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone

from centres import services as centre_services
from centres.models import AdminAction, Enrolment, EnrolmentImport, Role
from practice import services as practice_services
from practice.models import Card, CardState, PracticeSession
from revision.models import DocumentImport, KeyConcept, MarkingPoint
from tests import factories
from tests.bench_guards.querycount import count_queries

WORD = "rapport"  # in every grown topic, so search always finds more


@dataclass
class World:
    centre: object
    cohort: object
    learner: object
    admin: object
    unit: object
    topic: object
    session: PracticeSession
    upload: EnrolmentImport
    document: DocumentImport
    grown: int = 0
    extra: dict = field(default_factory=dict)

    def grow(self, n: int) -> None:
        start, self.grown = self.grown, self.grown + n
        for i in range(start, self.grown):
            self._grow_one(i)
        practice_services.cards_generate_for_unit(unit=self.unit)
        self._review(n)

    def _grow_one(self, i: int) -> None:
        # revision: a topic with a concept and a marking point that search finds
        topic = factories.TopicFactory(
            unit=self.unit, title=f"Grown topic {i}", slug=f"grown-{i}", position=i + 2
        )
        KeyConcept.objects.create(
            topic=topic,
            position=1,
            term=f"Concept {i}",
            explanation=f"Building {WORD} with customer {i}.",
        )
        point = factories.MarkingPointFactory(
            topic=topic, position=1, text=f"Explains {WORD} in case {i}."
        )
        # reports: an enrolled learner with mapped evidence and a draft submission
        someone = factories.member(
            self.centre,
            Role.LEARNER,
            username=f"grown{i}",
            first_name=f"Grown{i}",
            last_name="Learner",
        )
        factories.EnrolmentFactory(learner=someone, cohort=self.cohort)
        evidence = factories.EvidenceFactory(
            learner=someone, centre=self.centre, unit=self.unit
        )
        factories.EvidenceMappingFactory(evidence=evidence, marking_point=point)
        factories.SubmissionFactory(
            learner=someone, centre=self.centre, unit=self.unit, status="draft"
        )
        # console: another cohort and a logged admin action about the learner
        factories.CohortFactory(
            centre=self.centre, qualification=self.cohort.qualification
        )
        centre_services.admin_event_record(
            centre=self.centre,
            actor=self.admin,
            action=AdminAction.LEARNER_ENROLLED,
            cohort=self.cohort,
            subject=someone,
        )
        self.upload.rows = [
            *self.upload.rows,
            {
                "action": "create",
                "line": i + 2,
                "email": f"new{i}@example.org",
                "first_name": f"New{i}",
                "last_name": "Person",
                "reference": f"REF{i}",
                "errors": [],
            },
        ]
        self.upload.save(update_fields=["rows"])

    def _review(self, n: int) -> None:
        """n reviews in the last fortnight, spread over the learner's cards."""
        cards = list(Card.objects.filter(unit=self.unit).order_by("pk"))
        when = timezone.now() - timedelta(days=14)
        step = timedelta(days=13) / max(n, 1)
        for i in range(n):
            card = cards[i % len(cards)]
            state = CardState.objects.filter(learner=self.learner, card=card).first()
            practice_services.review_record(
                learner=self.learner,
                card=card,
                rating=3,
                token=uuid.uuid4(),
                shown_reps=state.reps if state else 0,
                now=when,
            )
            when += step
        # some cards due now, so the session page has a card to show
        CardState.objects.filter(learner=self.learner).update(
            due=timezone.now() - timedelta(hours=1)
        )


def build(*, centre, cohort, learner, admin) -> World:
    """The starting world: one unit with a topic, a learner practising it with an
    exam date, an open session, an enrolment import and a document import."""
    unit = factories.UnitFactory(
        qualification=cohort.qualification, title="Customer relations", slug="cr"
    )
    topic = factories.TopicFactory(unit=unit, title="Building rapport", slug="rapport")
    KeyConcept.objects.create(
        topic=topic, position=1, term="Rapport", explanation=f"Building {WORD}."
    )
    MarkingPoint.objects.create(
        topic=topic, position=1, text=f"Explains how {WORD} is built."
    )
    Enrolment.objects.get_or_create(learner=learner, cohort=cohort)
    practice_services.cards_generate_for_unit(unit=unit)
    practice_services.goal_set(
        learner=learner, unit=unit, exam_date=timezone.localdate() + timedelta(days=60)
    )
    practice_services.settings_update(
        learner=learner,
        desired_retention=0.9,
        new_cards_per_day=20,
        reviews_per_day=200,
        session_size=500,
        reminders=False,
        catch_up=False,
    )
    session = practice_services.session_start(learner=learner, unit=unit)
    upload = EnrolmentImport.objects.create(
        centre=centre, cohort=cohort, uploaded_by=admin, filename="learners.csv"
    )
    document = DocumentImport.objects.create(
        uploaded_by=admin,
        qualification=cohort.qualification,
        unit_title=unit.title,
        file_name="unit.md",
        data=b"# Unit",
        status=DocumentImport.Status.DONE,
        topic=topic,
    )
    return World(
        centre=centre,
        cohort=cohort,
        learner=learner,
        admin=admin,
        unit=unit,
        topic=topic,
        session=session,
        upload=upload,
        document=document,
    )


def counts_at_two_sizes(
    client_for, pages: dict, world: World, *, small: int = 5, large: int = 30
) -> dict[str, tuple[int, int]]:
    """{name: (queries at `small`, queries at `large`)} for pages given as
    {name: (user, url)}; one warm-up GET before each count (querycount's rule)."""
    found: dict[str, list[int]] = {name: [] for name in pages}
    for grow_by in (small, large - small):
        world.grow(grow_by)
        for name, (user, url) in pages.items():
            queries, _sql = count_queries(client_for(user), url)
            found[name].append(queries)
    return {name: (a, b) for name, (a, b) in found.items()}


def assert_counts(found: dict[str, tuple[int, int]], expected: dict[str, int]) -> None:
    """Every page: the same count at both sizes, equal to its pinned budget, and
    within issue #8's ceiling of 10 (middleware included)."""
    assert {n: c for n, c in found.items() if c[0] != c[1]} == {}, "grew with data"
    assert {n: c[1] for n, c in found.items()} == expected, {
        n: c[1] for n, c in found.items()
    }
    assert max(expected.values()) <= 10
