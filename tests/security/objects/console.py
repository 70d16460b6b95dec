"""URL kwargs owned by the centre console (centres/) and reports/: cohorts of
their own (so archiving one leaves the shared world alone), stored enrolment
imports and enrolments, at centre A and centre B."""

from centres import services
from tests import factories
from tests.security.world import KwargIds, register

COHORT_URLS = {
    "centres:console-cohort",
    "centres:console-cohort-edit",
    "centres:console-cohort-staff",
    "centres:console-cohort-archive",
    "centres:console-import-upload",
    "reports:cohort-progress",
    "reports:criteria-heatmap",
}


def _cohort(world, key: str):
    return world.once(
        f"console-cohort-{key}",
        lambda: factories.CohortFactory(
            centre=world.centres[key],
            qualification=world.cohorts[key].qualification,
            name=f"Console cohort {key.upper()}",
        ),
    )


@register("pk", url_names=COHORT_URLS)
def cohort(world):
    return KwargIds(own=_cohort(world, "a").pk, other_centre=_cohort(world, "b").pk)


def _import(world, key: str):
    def make():
        return services.enrolment_import_preview(
            cohort=_cohort(world, key),
            actor=world.user(key, "admin"),
            filename="learners.csv",
            data=f"First name,Last name,Email\nNew,Learner,new-{key}@example.org\n".encode(),
        )

    return world.once(f"console-import-{key}", make)


@register(
    "pk",
    url_names={
        "centres:console-import",
        "centres:console-import-confirm",
        "centres:console-import-cancel",
    },
)
def enrolment_import(world):
    return KwargIds(own=_import(world, "a").pk, other_centre=_import(world, "b").pk)


def _enrolment(world, key: str):
    def make():
        learner = factories.UserFactory(username=f"console-withdraw-{key}")
        return services.enrolment_create(learner=learner, cohort=_cohort(world, key))

    return world.once(f"console-enrolment-{key}", make)


@register("pk", url_names={"centres:console-withdraw"})
def enrolment(world):
    return KwargIds(
        own=_enrolment(world, "a").pk, other_centre=_enrolment(world, "b").pk
    )
