"""Demo data for the centre console: an admin log that matches the world (who set
up each cohort, assigned its staff and imported its learners), a past spreadsheet
import, and one learner who has switched off reminder emails. Idempotent: a centre
that already has admin events is left alone."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from centres.models import (
    AdminAction,
    AdminEvent,
    EnrolmentImport,
    ImportStatus,
    NotificationKind,
    NotificationPreference,
)


def seed(world) -> None:
    for slug, data in world.data.get("centres", {}).items():
        with transaction.atomic():
            _seed_centre(data)
        world.say(f"{slug}: admin log and email preferences")


def _seed_centre(data) -> None:
    centre, staff = data["centre"], data["staff"]
    admin = staff["admin"]
    if AdminEvent.objects.filter(centre=centre).exists():
        return
    now = timezone.now()
    events: list[AdminEvent] = []
    imports: list[EnrolmentImport] = []
    for index, cohort in enumerate(data["cohorts"]):
        day = now - timedelta(days=60 - index * 7)
        learners = list(cohort.enrolments.values_list("learner_id", flat=True))
        filename = f"{slugify(cohort.name)}-learners.xlsx"
        events.append(
            AdminEvent(
                centre=centre,
                actor=admin,
                action=AdminAction.COHORT_CREATED,
                cohort=cohort,
            )
        )
        for user in cohort.assessors.all():
            events.append(
                AdminEvent(
                    centre=centre,
                    actor=admin,
                    action=AdminAction.ASSESSOR_ASSIGNED,
                    cohort=cohort,
                    subject=user,
                )
            )
        for user in cohort.iqas.all():
            events.append(
                AdminEvent(
                    centre=centre,
                    actor=admin,
                    action=AdminAction.IQA_ASSIGNED,
                    cohort=cohort,
                    subject=user,
                )
            )
        events.append(
            AdminEvent(
                centre=centre,
                actor=admin,
                action=AdminAction.LEARNERS_IMPORTED,
                cohort=cohort,
                detail=f"{filename}: {len(learners)} new, 0 existing, 1 rejected",
            )
        )
        events += [
            AdminEvent(
                centre=centre,
                actor=admin,
                action=AdminAction.LEARNER_ENROLLED,
                cohort=cohort,
                subject_id=learner_id,
                detail=f"From import {filename}",
            )
            for learner_id in learners
        ]
        imports.append(
            EnrolmentImport(
                centre=centre,
                cohort=cohort,
                uploaded_by=admin,
                filename=filename,
                status=ImportStatus.CONFIRMED,
                rows=[
                    {
                        "line": 14,
                        "first_name": "Jordan",
                        "last_name": "Price",
                        "email": "jordan.price@@example.org",
                        "reference": "",
                        "action": "reject",
                        "reasons": [
                            "“jordan.price@@example.org” is not a valid email address."
                        ],
                        "user_id": None,
                        "enrolment_id": None,
                    }
                ],
                created_count=len(learners),
                rejected_count=1,
                confirmed_at=day,
            )
        )
    AdminEvent.objects.bulk_create(events, batch_size=1000)
    EnrolmentImport.objects.bulk_create(imports)
    if data["learners"]:
        NotificationPreference.objects.get_or_create(
            user=data["learners"][0],
            defaults={"muted_kinds": [NotificationKind.REMINDER.value]},
        )
