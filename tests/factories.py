"""factory_boy factories for every app, in one place. Each app's section below."""

import factory

from centres.models import Centre, Cohort, Enrolment, Membership, User
from revision.models import (
    AssessmentCriterion,
    LearningOutcome,
    MarkingPoint,
    Qualification,
    Topic,
    Unit,
)

PASSWORD = "correct-horse-battery"


# --- centres ----------------------------------------------------------------------
class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre
        django_get_or_create = ["slug"]

    name = factory.Sequence(lambda n: f"Centre {n}")
    slug = factory.Sequence(lambda n: f"centre-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    password = factory.django.Password(PASSWORD)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    centre = factory.SubFactory(CentreFactory)
    role = "learner"


def member(centre: Centre, role: str, **user_fields) -> User:
    """A user holding `role` at `centre`."""
    user = UserFactory(**user_fields)
    MembershipFactory(user=user, centre=centre, role=role)
    return user


# --- revision (specification) -----------------------------------------------------
class QualificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Qualification
        django_get_or_create = ["slug"]

    awarding_organisation = "Test Awarding Body"
    title = factory.Sequence(lambda n: f"Level 3 Diploma {n}")
    level = 3
    slug = factory.Sequence(lambda n: f"qualification-{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    qualification = factory.SubFactory(QualificationFactory)
    title = factory.Sequence(lambda n: f"Unit {n}")
    slug = factory.Sequence(lambda n: f"unit-{n}")


class LearningOutcomeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LearningOutcome

    unit = factory.SubFactory(UnitFactory)
    number = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Understand thing {n}")


class AssessmentCriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AssessmentCriterion

    outcome = factory.SubFactory(LearningOutcomeFactory)
    number = factory.Sequence(lambda n: f"1.{n + 1}")
    text = factory.Sequence(lambda n: f"Explain thing {n}")


class TopicFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Topic

    unit = factory.SubFactory(UnitFactory)
    title = factory.Sequence(lambda n: f"Topic {n}")
    slug = factory.Sequence(lambda n: f"topic-{n}")
    synopsis = "What this topic covers."


class MarkingPointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MarkingPoint

    topic = factory.SubFactory(TopicFactory)
    position = factory.Sequence(lambda n: n + 1)
    text = factory.Sequence(lambda n: f"Award credit for showing skill {n}.")


# --- centres (needs revision) -----------------------------------------------------
class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")
    qualification = factory.SubFactory(QualificationFactory)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    learner = factory.SubFactory(UserFactory)
    cohort = factory.SubFactory(CohortFactory)


# --- portfolio --------------------------------------------------------------------
class EvidenceFactory(factory.django.DjangoModelFactory):
    """A finished reflective log (use the services for files and revisions)."""

    class Meta:
        model = "portfolio.Evidence"

    learner = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    centre = factory.SubFactory(CentreFactory)
    kind = "log"
    title = factory.Sequence(lambda n: f"Log {n}")
    what_happened = "A customer rang about a late delivery."
    what_i_did = "I checked the order history and arranged a redelivery."
    outcome = "The customer was satisfied; the complaint closed within a day."
    learned = "Check stock before promising dates."
    body_html = "<p>A customer rang about a late delivery.</p>"
    is_draft = False


class EvidenceMappingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "portfolio.EvidenceMapping"

    evidence = factory.SubFactory(EvidenceFactory)
    marking_point = factory.SubFactory(MarkingPointFactory)
    note = ""


class SubmissionFactory(factory.django.DjangoModelFactory):
    """A submission row in any state (use services.submission_submit for a real
    snapshot)."""

    class Meta:
        model = "portfolio.Submission"

    learner = factory.SubFactory(UserFactory)
    unit = factory.SubFactory(UnitFactory)
    centre = factory.SubFactory(CentreFactory)
    status = "draft"


# --- assessments ------------------------------------------------------------------
def marking_unit(qualification, points: int = 3):
    """A unit of `qualification` with one topic holding `points` marking points."""
    unit = UnitFactory(qualification=qualification)
    topic = TopicFactory(unit=unit)
    for position in range(1, points + 1):
        MarkingPointFactory(
            topic=topic, position=position, text=f"Shows skill {position}."
        )
    return unit


def submitted_portfolio(*, learner, centre, unit, logs: int = 1, map_points=None):
    """A submitted unit portfolio built through the portfolio services: `logs`
    finished logs, the first mapped to `map_points` (ids; default all points)."""
    from portfolio import services as portfolio_services
    from revision.models import MarkingPoint

    points = list(MarkingPoint.objects.filter(topic__unit=unit).order_by("position"))
    if map_points is None:
        map_points = [p.pk for p in points]
    for n in range(logs):
        evidence = portfolio_services.log_create(
            learner=learner,
            centre=centre,
            unit=unit,
            title=f"Handling a complaint {n + 1}",
            is_draft=False,
            what_happened="A customer rang about a late delivery of a sofa.",
            what_i_did="I apologised, checked the order and booked a redelivery.",
            outcome="The customer kept the order; complaints fell by 10% that month.",
            learned="I will confirm stock before promising delivery dates.",
        )
        if n == 0 and map_points:
            portfolio_services.mappings_set(
                evidence=evidence, points=dict.fromkeys(map_points, "second paragraph")
            )
    return portfolio_services.submission_submit(
        learner=learner, centre=centre, unit=unit, declared_authentic=True
    )
