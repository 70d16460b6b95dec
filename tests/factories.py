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
