"""Pure permission predicates about centres and cohorts (no queries of their own
beyond what the objects already carry)."""

from centres.models import Cohort, Role


def can_manage_centre(*, roles: frozenset[str]) -> bool:
    return Role.ADMIN in roles


def can_view_cohort(*, user, centre, roles: frozenset[str], cohort: Cohort) -> bool:
    """Whether the actor may see this cohort (callers pass the actor's centre)."""
    if cohort.centre_id != centre.pk:
        return False
    if roles & {Role.ADMIN, Role.IQA}:
        return True
    if Role.ASSESSOR in roles and cohort.assessors.filter(pk=user.pk).exists():
        return True
    return Role.LEARNER in roles and cohort.enrolments.filter(learner=user).exists()
