"""URL kwargs owned by revision/: units and topics of the qualification each
centre teaches (centre B teaches another one), and document imports."""

from revision.models import DocumentImport
from tests import factories
from tests.security.world import KwargIds, register


def _unit(world, key: str):
    def make():
        qualification = world.cohorts[key].qualification
        unit = factories.UnitFactory(
            qualification=qualification, slug=f"sec-unit-{key}", title=f"Unit {key}"
        )
        factories.TopicFactory(unit=unit, slug=f"sec-topic-{key}")
        return unit

    return world.once(f"revision-unit-{key}", make)


@register("unit_slug")
@register("slug", url_names={"revision:unit-detail"})
def unit_slug(world):
    return KwargIds(own=_unit(world, "a").slug, other_centre=_unit(world, "b").slug)


@register("slug", url_names={"revision:topic-detail"})
@register("topic_slug")
def topic_slug(world):
    return KwargIds(
        own=_unit(world, "a").topics.get().slug,
        other_centre=_unit(world, "b").topics.get().slug,
    )


def _import(world, key: str):
    return world.once(
        f"revision-import-{key}",
        lambda: DocumentImport.objects.create(
            uploaded_by=world.user(key, "admin"),
            qualification=world.cohorts[key].qualification,
            unit_title="Security unit",
            file_name="spec.md",
            data=b"# Unit\n",
        ),
    )


@register("pk", url_names={"revision:import-status"})
@register("import_id")
def document_import(world):
    return KwargIds(own=_import(world, "a").pk, other_centre=_import(world, "b").pk)
