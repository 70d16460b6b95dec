"""Subject access exports and erasure, assembled from every app.

centres/ is the lowest app that holds people, so the registry lives here and each
app registers what it keeps about a person from its AppConfig.ready():

    from centres import personal_data

    personal_data.register(
        "portfolio",
        export=lambda user: {"evidence": [...]},          # JSON-serialisable
        files=lambda user: [("evidence/12-photo.png", evidence.file)],
        anonymise=lambda user: ...,                        # in the erasure transaction
    )

`export_zip(user=...)` returns a ZIP of one JSON file per app plus the person's
files; `person_anonymise(user=..., actor=...)` replaces identifying fields while
keeping the records the awarding body requires (assessment decisions, enrolments),
and reports the erasure to every registered audit hook (assessments/ records it in
its audit log) and to the `criterion.audit` logger.
"""

import io
import json
import logging
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from centres.models import Enrolment, Membership, User

audit_logger = logging.getLogger("criterion.audit")

Exporter = Callable[[User], Any]
FileLister = Callable[[User], Iterable[tuple[str, Any]]]
Anonymiser = Callable[[User], None]
AuditHook = Callable[..., None]


@dataclass(frozen=True)
class Part:
    name: str
    export: Exporter | None = None
    files: FileLister | None = None
    anonymise: Anonymiser | None = None


_parts: dict[str, Part] = {}
_audit_hooks: list[AuditHook] = []


def register(
    name: str,
    *,
    export: Exporter | None = None,
    files: FileLister | None = None,
    anonymise: Anonymiser | None = None,
) -> None:
    """Register (or replace) what app `name` keeps about a person."""
    _parts[name] = Part(name, export, files, anonymise)


def register_audit_hook(hook: AuditHook) -> None:
    """Call `hook(event=..., subject=..., actor=...)` for every export and erasure."""
    if hook not in _audit_hooks:
        _audit_hooks.append(hook)


def parts() -> list[Part]:
    return [_parts[name] for name in sorted(_parts)]


def _audit(event: str, *, subject: User, actor: User | None) -> None:
    audit_logger.info(
        "%s subject=%s actor=%s", event, subject.pk, getattr(actor, "pk", None)
    )
    for hook in _audit_hooks:
        hook(event=event, subject=subject, actor=actor)


def export_zip(*, user: User, actor: User | None = None) -> bytes:
    """All the person's data: `<app>.json` per registered app and their files."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts():
            if part.export is not None:
                data = json.dumps(
                    part.export(user), cls=DjangoJSONEncoder, indent=2, sort_keys=True
                )
                archive.writestr(f"{part.name}.json", data)
            for arcname, field_file in part.files(user) if part.files else ():
                safe = arcname.replace("\\", "/").lstrip("/").replace("../", "")
                with field_file.open("rb") as handle:
                    archive.writestr(f"files/{part.name}/{safe}", handle.read())
    _audit("personal_data.exported", subject=user, actor=actor)
    return buffer.getvalue()


@transaction.atomic
def person_anonymise(*, user: User, actor: User | None = None) -> User:
    """Erase what identifies `user` in every app, all or nothing; keeps decisions.

    The account can no longer sign in. Raises whatever an app's anonymiser raises
    (and then nothing is changed)."""
    for part in parts():
        if part.anonymise is not None:
            part.anonymise(user)
    _audit("personal_data.erased", subject=user, actor=actor)
    return user


# --- centres' own part ----------------------------------------------------------------
def _centres_export(user: User) -> dict[str, Any]:
    return {
        "profile": {
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "memberships": [
            {"centre": m.centre.name, "role": m.role, "since": m.created_at}
            for m in Membership.objects.filter(user=user).select_related("centre")
        ],
        "enrolments": [
            {
                "cohort": e.cohort.name,
                "centre": e.cohort.centre.name,
                "qualification": str(e.cohort.qualification),
                "status": e.status,
                "learner_reference": e.learner_reference,
                "enrolled_at": e.enrolled_at,
            }
            for e in Enrolment.objects.filter(learner=user).select_related(
                "cohort__centre", "cohort__qualification"
            )
        ],
    }


def _centres_anonymise(user: User) -> None:
    user.username = f"erased-{user.pk}"
    user.first_name = "Erased"
    user.last_name = "person"
    user.email = ""
    user.time_zone = "Europe/London"
    user.is_active = False
    user.set_unusable_password()
    user.save(
        update_fields=[
            "username",
            "first_name",
            "last_name",
            "email",
            "time_zone",
            "is_active",
            "password",
        ]
    )
    # Memberships and enrolments stay: the awarding body needs who was assessed
    # where, now pointing at an anonymous person. The centre's own reference goes.
    Enrolment.objects.filter(learner=user).update(learner_reference="")


register("centres", export=_centres_export, anonymise=_centres_anonymise)
