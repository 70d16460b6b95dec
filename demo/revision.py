"""Demo step: the qualification and units everyone studies.

TODO(#3): import the project's own sample revision documents (revision/demo_content/)
through the importer once it exists; until then the specification is made directly.
"""

from revision.models import Qualification, Unit

QUALIFICATION = {
    "slug": "l3-diploma-customer-service",
    "title": "Level 3 Diploma in Customer Service",
    "awarding_organisation": "Criterion Demo Awarding Body",
    "level": 3,
    "code": "610/0000/X",
}


def seed(world) -> None:
    qualification, _ = Qualification.objects.get_or_create(
        slug=QUALIFICATION["slug"],
        defaults={k: v for k, v in QUALIFICATION.items() if k != "slug"},
    )
    world.data["qualification"] = qualification
    world.data["units"] = list(Unit.objects.filter(qualification=qualification))
    world.say(f"Qualification: {qualification.title}")
