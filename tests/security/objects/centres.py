"""URL kwargs owned by centres/ and Django's auth views."""

from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.security.world import KwargIds, register, register_post_data


@register("cohort_id")
@register("cohort_pk")
def cohort(world):
    return KwargIds(own=world.cohorts["a"].pk, other_centre=world.cohorts["b"].pk)


@register("learner_id")
@register("learner_pk")
@register("user_id")
def learner(world):
    return KwargIds(
        own=world.learner("a").pk,
        other_centre=world.learner("b").pk,
        other_learner=world.peers["a"].pk,
    )


# Password reset links are public and not tenant data: a real, valid link for
# centre A's learner (the page then redirects to its set-password form).
@register("uidb64")
def reset_uid(world):
    return KwargIds(own=urlsafe_base64_encode(force_bytes(world.learner("a").pk)))


@register("token")
def reset_token(world):
    return KwargIds(own=default_token_generator.make_token(world.learner("a")))


# Realistic forms, so a refused POST is refused for the right reason.
@register_post_data("centres:switch")
def switch_payload(world, kwargs):
    return {"centre": world.centres["a"].pk}


@register_post_data("password_change")
def password_change_payload(world, kwargs):
    new = "a-much-longer-passphrase-42"
    return {
        "old_password": factories.PASSWORD,
        "new_password1": new,
        "new_password2": new,
    }


@register_post_data("login")
def login_payload(world, kwargs):
    return {"username": world.learner("a").username, "password": factories.PASSWORD}


@register_post_data("centres:personal-data-erase")
def erasure_payload(world, kwargs):
    """The typed confirmation an admin sends: a refused request must erase nothing."""
    from centres.models import User

    return {"confirmation": User.objects.get(pk=kwargs["learner_pk"]).username}
