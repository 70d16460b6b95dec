"""Writes about centres, people, cohorts and enrolments. One function per use case."""

from datetime import date

from django.db import transaction

from centres.models import (
    Centre,
    Cohort,
    Enrolment,
    EnrolmentStatus,
    Membership,
    User,
)


@transaction.atomic
def centre_create(*, name: str, slug: str, **fields) -> Centre:
    """Create a centre (or return the existing one with that slug)."""
    centre, created = Centre.objects.get_or_create(
        slug=slug, defaults={"name": name, **fields}
    )
    if created:
        centre.full_clean()
    return centre


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> User:
    """Create a user; without a password they must set one through the reset link."""
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_grant(*, user: User, centre: Centre, role: str) -> Membership:
    """Give `user` the `role` at `centre` (idempotent)."""
    membership, created = Membership.objects.get_or_create(
        user=user, centre=centre, role=role
    )
    if created:
        membership.full_clean()
    return membership


@transaction.atomic
def cohort_create(
    *,
    centre: Centre,
    name: str,
    qualification,
    start_date: date | None = None,
    end_date: date | None = None,
    assessors: list[User] | None = None,
    iqas: list[User] | None = None,
) -> Cohort:
    """Create a cohort on a qualification at a centre."""
    cohort = Cohort(
        centre=centre,
        name=name,
        qualification=qualification,
        start_date=start_date,
        end_date=end_date,
    )
    cohort.full_clean()
    cohort.save()
    if assessors:
        cohort.assessors.set(assessors)
    if iqas:
        cohort.iqas.set(iqas)
    return cohort


@transaction.atomic
def enrolment_create(
    *, learner: User, cohort: Cohort, learner_reference: str = ""
) -> Enrolment:
    """Enrol a learner on a cohort, granting the learner role at its centre."""
    membership_grant(user=learner, centre=cohort.centre, role="learner")
    enrolment, _created = Enrolment.objects.get_or_create(
        learner=learner,
        cohort=cohort,
        defaults={
            "learner_reference": learner_reference,
            "status": EnrolmentStatus.ACTIVE,
        },
    )
    return enrolment
