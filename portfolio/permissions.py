"""Pure predicates about who may do what with a portfolio."""

from centres.models import Role


def can_export(roles, learner, user) -> bool:
    """A learner may export their own portfolio; a centre admin anyone's they
    can see (visibility is checked by the selector that found `learner`)."""
    if Role.ADMIN in roles:
        return True
    return Role.LEARNER in roles and learner.pk == user.pk
