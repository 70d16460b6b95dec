"""Pure predicates about who may do what in marking and quality assurance."""

from centres.models import Role

MARKING_ROLES = frozenset({Role.ASSESSOR, Role.ADMIN})
RELEASE_ROLES = frozenset({Role.ASSESSOR, Role.IQA, Role.ADMIN})


def can_see_queue(roles: frozenset[str]) -> bool:
    return bool(roles & MARKING_ROLES)


def sees_every_queue(roles: frozenset[str]) -> bool:
    """Admins see every assessor's queue; assessors see their own cohorts'."""
    return Role.ADMIN in roles


def can_release(*, user_id: int, roles: frozenset[str], assessor_id: int) -> bool:
    """The second look must be someone other than the assessor who marked."""
    return bool(roles & RELEASE_ROLES) and user_id != assessor_id


def can_authorise_resubmission(*, roles: frozenset[str], authoriser_role: str) -> bool:
    return authoriser_role in roles or Role.ADMIN in roles


def can_review(roles: frozenset[str]) -> bool:
    return Role.IQA in roles
