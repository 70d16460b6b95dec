"""Read queries about centres, cohorts and people, scoped to what the actor may see."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from centres.models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    AdminEvent,
    Cohort,
    Enrolment,
    EnrolmentImport,
    EnrolmentStatus,
    Membership,
    NotificationKind,
    NotificationPreference,
    Role,
    User,
)


def memberships_for_user(*, user: User) -> list[Membership]:
    """All of the user's memberships with their centres, in one query."""
    return list(Membership.objects.filter(user=user).select_related("centre"))


def cohorts_for_actor(*, user: User, centre, roles: frozenset[str]) -> QuerySet[Cohort]:
    """Cohorts at `centre` the actor may see: all for admins and IQAs, assigned for
    assessors, enrolled for learners."""
    qs = Cohort.objects.filter(centre=centre)
    if roles & {Role.ADMIN, Role.IQA}:
        return qs
    condition = Q(pk__in=[])
    if Role.ASSESSOR in roles:
        condition |= Q(assessors=user)
    if Role.LEARNER in roles:
        condition |= Q(enrolments__learner=user)
    return qs.filter(condition).distinct()


def cohort_list_for_actor(*, user: User, centre, roles: frozenset[str]):
    """Cohorts with their qualification and counts, for lists (one query)."""
    return (
        cohorts_for_actor(user=user, centre=centre, roles=roles)
        .select_related("qualification")
        .annotate(
            learner_count=Count(
                "enrolments",
                filter=Q(enrolments__status=EnrolmentStatus.ACTIVE),
                distinct=True,
            ),
            assessor_count=Count("assessors", distinct=True),
        )
        .order_by("archived_at", "name")
    )


def cohort_get_for_actor(
    *, user: User, centre, roles: frozenset[str], pk: int
) -> Cohort:
    """One cohort the actor may see, with its qualification and centre (one query).
    Raises Http404 for missing and not-yours alike."""
    try:
        return (
            cohorts_for_actor(user=user, centre=centre, roles=roles)
            .select_related("qualification", "centre")
            .get(pk=pk)
        )
    except Cohort.DoesNotExist:
        raise Http404("No such cohort") from None


def learners_visible_to(*, user: User, centre, roles: frozenset[str]) -> QuerySet[User]:
    """Learners at `centre` whose work the actor may see (themselves for a learner)."""
    learners = User.objects.filter(
        memberships__centre=centre, memberships__role=Role.LEARNER
    )
    if roles & {Role.ADMIN, Role.IQA}:
        return learners.distinct()
    condition = Q(pk__in=[])
    if Role.ASSESSOR in roles:
        condition |= Q(
            enrolments__cohort__assessors=user, enrolments__cohort__centre=centre
        )
    if Role.LEARNER in roles:
        condition |= Q(pk=user.pk)
    return learners.filter(condition).distinct()


def learner_get_for_actor(
    *, user: User, centre, roles: frozenset[str], pk: int
) -> User:
    """A learner the actor may see. Raises Http404 for missing and not-yours alike."""
    try:
        return learners_visible_to(user=user, centre=centre, roles=roles).get(pk=pk)
    except User.DoesNotExist:
        raise Http404("No such learner") from None


def enrolments_for_learner(*, learner: User, centre) -> QuerySet[Enrolment]:
    """The learner's active enrolments at `centre`, with cohort and qualification."""
    return (
        Enrolment.objects.filter(
            learner=learner, cohort__centre=centre, status=EnrolmentStatus.ACTIVE
        )
        .select_related("cohort", "cohort__qualification")
        .order_by("cohort__name")
    )


def staff_for_centre(*, centre, role: str) -> QuerySet[User]:
    """Users holding `role` at `centre`."""
    return User.objects.filter(
        memberships__centre=centre, memberships__role=role
    ).distinct()


# --- Centre console ---------------------------------------------------------------
def admin_events_for_centre(*, centre, cohort: Cohort | None = None):
    """The centre's admin log, newest first, with actor, subject and cohort."""
    events = AdminEvent.objects.filter(centre=centre).select_related(
        "actor", "subject", "cohort"
    )
    if cohort is not None:
        events = events.filter(cohort=cohort)
    return events.order_by("-created_at", "-pk")


def cohort_enrolments(*, cohort: Cohort) -> QuerySet[Enrolment]:
    """A cohort's enrolments with their learners (one query), active first."""
    return (
        Enrolment.objects.filter(cohort=cohort)
        .select_related("learner")
        .order_by("status", "learner__last_name", "learner__first_name")
    )


def enrolment_get_for_admin(*, centre, pk: int) -> Enrolment:
    """An enrolment at the admin's centre. Raises Http404 for missing and not-yours."""
    try:
        return Enrolment.objects.select_related("cohort", "learner").get(
            pk=pk, cohort__centre=centre
        )
    except Enrolment.DoesNotExist:
        raise Http404("No such enrolment") from None


def enrolment_import_get_for_admin(*, centre, pk: int) -> EnrolmentImport:
    """A stored import at the admin's centre. Raises Http404 for missing and
    not-yours alike."""
    try:
        return EnrolmentImport.objects.select_related("cohort", "uploaded_by").get(
            pk=pk, centre=centre
        )
    except EnrolmentImport.DoesNotExist:
        raise Http404("No such import") from None


def notification_kinds_enabled_for(*, user: User) -> list[str]:
    """The optional email kinds the user still receives (all unless switched off)."""
    pref = NotificationPreference.objects.filter(user=user).first()
    muted = set(pref.muted_kinds) if pref else set()
    return [
        kind
        for kind in NotificationKind.values
        if kind not in ESSENTIAL_NOTIFICATION_KINDS and kind not in muted
    ]
