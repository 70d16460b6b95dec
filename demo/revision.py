"""Demo step: the qualification and units everyone studies.

The units and topics come from the project's own sample revision documents
(revision/demo_content/, written for Criterion) through the importer, which is
idempotent: running the step twice changes nothing.
"""

from pathlib import Path

from revision import importer
from revision.models import Qualification, Unit

DEMO_CONTENT = Path(importer.__file__).resolve().parent / "demo_content"
# Unit title → the sample documents (format 1) that make its topics.
DEMO_UNITS = {
    "Understand the customer service environment": [
        "customer-service-environment-standards.txt",
        "customer-service-environment-legislation.txt",
    ],
    "Resolve customer service problems": ["resolve-customer-service-problems.txt"],
    "Build and maintain effective customer relationships": [
        "customer-relationships-building-rapport.txt",
        "customer-relationships-managing-expectations.txt",
        "customer-relationships-loyalty-and-feedback.txt",
    ],
}

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
    for unit_title, files in DEMO_UNITS.items():
        for name in files:
            for result in importer.path_import(
                path=DEMO_CONTENT / name,
                qualification_title=qualification.title,
                unit_title=unit_title,
            ):
                world.say(f"  {result.summary_line()}")
    world.data["qualification"] = qualification
    world.data["units"] = list(Unit.objects.filter(qualification=qualification))
    world.say(f"Qualification: {qualification.title}")
