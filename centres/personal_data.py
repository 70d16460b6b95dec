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
files (`export_write` writes it to a file instead, for streaming);
`person_anonymise(user=..., actor=...)` replaces identifying fields while keeping the
records the awarding body requires (assessment decisions, enrolments), and reports
the erasure to every registered audit hook (assessments/ records it in its audit log)
and to the `criterion.audit` logger. An anonymiser never deletes a file itself: it
calls `file_delete_after_commit`, so a rolled-back erasure loses nothing.

`summary` (optional) says what an erasure removes and what it keeps, as
`{"removed": [(label, count)], "kept": [(label, count)]}`, for the admin's
confirmation page. `person_erase(...)` is the admin's erasure request: it checks the
typed confirmation and that the person belongs to the admin's centre only.
"""

import io
import json
import logging
import shutil
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centres import caching
from centres.models import (
    Centre,
    Enrolment,
    Membership,
    Notification,
    NotificationPreference,
    User,
)

audit_logger = logging.getLogger("criterion.audit")

Exporter = Callable[[User], Any]
FileLister = Callable[[User], Iterable[tuple[str, Any]]]
Anonymiser = Callable[[User], None]
Summary = Callable[[User], dict[str, list[tuple[Any, int]]]]
AuditHook = Callable[..., None]

# Put in place of free text a person wrote, once it is erased.
ERASED_NOTICE = "[Removed at the person's request under data protection law.]"


@dataclass(frozen=True)
class Part:
    name: str
    export: Exporter | None = None
    files: FileLister | None = None
    anonymise: Anonymiser | None = None
    summary: Summary | None = None


_parts: dict[str, Part] = {}
_audit_hooks: list[AuditHook] = []


def register(
    name: str,
    *,
    export: Exporter | None = None,
    files: FileLister | None = None,
    anonymise: Anonymiser | None = None,
    summary: Summary | None = None,
) -> None:
    """Register (or replace) what app `name` keeps about a person."""
    _parts[name] = Part(name, export, files, anonymise, summary)


def register_audit_hook(hook: AuditHook) -> None:
    """Call `hook(event=..., subject=..., actor=..., centre=...)` for every export and
    erasure (`centre` is where the request was made, or None)."""
    if hook not in _audit_hooks:
        _audit_hooks.append(hook)


def parts() -> list[Part]:
    return [_parts[name] for name in sorted(_parts)]


def _audit(
    event: str, *, subject: User, actor: User | None, centre: Centre | None = None
) -> None:
    audit_logger.info(
        "%s subject=%s actor=%s", event, subject.pk, getattr(actor, "pk", None)
    )
    for hook in _audit_hooks:
        hook(event=event, subject=subject, actor=actor, centre=centre)


def _safe_arcname(arcname: str) -> str:
    parts_ = arcname.replace("\\", "/").split("/")
    return "/".join(p for p in parts_ if p not in {"", ".", ".."})


@transaction.atomic
def export_write(
    *,
    user: User,
    target: IO[bytes],
    actor: User | None = None,
    centre: Centre | None = None,
) -> None:
    """Write the person's data as a ZIP to `target`: `<app>.json` per registered app
    and their files under `files/<app>/`, copied in chunks (never whole in memory).

    One transaction, so every app's JSON is read from the same snapshot on
    PostgreSQL (repeatable enough for an export) and the audit entry commits with it.
    """
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in parts():
            if part.export is not None:
                data = json.dumps(
                    part.export(user), cls=DjangoJSONEncoder, indent=2, sort_keys=True
                )
                archive.writestr(f"{part.name}.json", data)
            for arcname, field_file in part.files(user) if part.files else ():
                safe = _safe_arcname(arcname)
                with (
                    field_file.open("rb") as handle,
                    archive.open(f"files/{part.name}/{safe}", "w") as out,
                ):
                    shutil.copyfileobj(handle, out, 1024 * 1024)
    _audit("personal_data.exported", subject=user, actor=actor, centre=centre)


def export_zip(
    *, user: User, actor: User | None = None, centre: Centre | None = None
) -> bytes:
    """All the person's data: `<app>.json` per registered app and their files."""
    buffer = io.BytesIO()
    export_write(user=user, target=buffer, actor=actor, centre=centre)
    return buffer.getvalue()


def file_delete_after_commit(storage: Storage, name: str) -> None:
    """Delete a stored file once the surrounding transaction commits (never on a
    rollback, so an erasure that fails halfway leaves every file in place)."""
    if name:
        transaction.on_commit(partial(storage.delete, name))


def erasure_summary(*, user: User) -> dict[str, list[tuple[Any, int]]]:
    """What an erasure of `user` would remove and keep, app by app (for the page)."""
    summary: dict[str, list[tuple[Any, int]]] = {"removed": [], "kept": []}
    for part in parts():
        if part.summary is not None:
            found = part.summary(user)
            summary["removed"] += found.get("removed", [])
            summary["kept"] += found.get("kept", [])
    return summary


@transaction.atomic
def person_anonymise(
    *, user: User, actor: User | None = None, centre: Centre | None = None
) -> User:
    """Erase what identifies `user` in every app, all or nothing; keeps decisions.

    The account can no longer sign in. Raises whatever an app's anonymiser raises
    (and then nothing is changed, and no file is deleted)."""
    centres = list(
        Membership.objects.filter(user=user).values_list("centre_id", flat=True)
    )
    for part in parts():
        if part.anonymise is not None:
            part.anonymise(user)
    # Every kept page that showed their name or words (bulk updates bypass the
    # services that would otherwise say so).
    caching.changed(
        caching.learner(user.pk),
        *(caching.marking(centre) for centre in centres),
        *(caching.cohorts(centre) for centre in centres),
    )
    _audit("personal_data.erased", subject=user, actor=actor, centre=centre)
    return user


def other_centre_memberships(*, user: User, centre: Centre) -> bool:
    """Whether `user` also belongs to a centre other than `centre`."""
    return Membership.objects.filter(user=user).exclude(centre=centre).exists()


def is_erased(user: User) -> bool:
    return not user.is_active and user.username == f"erased-{user.pk}"


def person_erase(
    *, actor: User, centre: Centre, person: User, confirmation: str
) -> User:
    """An admin's erasure request for a learner of their centre.

    `confirmation` must be the person's username, typed. Refused for the admin
    themself, an already erased person, and someone who also belongs to another
    centre (their data there is not this admin's to erase).
    Raises ValidationError (and then nothing is changed).
    """
    if (confirmation or "").strip() != person.username:
        raise ValidationError(
            {"confirmation": _("Type the username exactly as shown to confirm.")}
        )
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot erase your own account here."))
    if is_erased(person):
        raise ValidationError(_("This person's data has already been erased."))
    if other_centre_memberships(user=person, centre=centre):
        raise ValidationError(
            _(
                "This person also belongs to another centre, so the request must be"
                " handled by a Criterion administrator."
            )
        )
    return person_anonymise(user=person, actor=actor, centre=centre)


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
        "emails_sent": [
            {
                "kind": n.kind,
                "subject": n.subject,
                "body": n.body,
                "status": n.status,
                "created_at": n.created_at,
                "sent_at": n.sent_at,
            }
            for n in Notification.objects.filter(user=user).order_by("created_at")
        ],
        "emails_switched_off": [
            kind
            for p in NotificationPreference.objects.filter(user=user)
            for kind in p.muted_kinds
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
    # Copies of the emails sent to them name them; nothing requires keeping those.
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()


def _centres_summary(user: User) -> dict[str, list[tuple[Any, int]]]:
    return {
        "removed": [
            (gettext_lazy("Name, username, email address and password"), 1),
            (
                gettext_lazy("Copies of emails sent to them"),
                Notification.objects.filter(user=user).count(),
            ),
        ],
        "kept": [
            (
                gettext_lazy("Enrolments (without the learner reference)"),
                Enrolment.objects.filter(learner=user).count(),
            ),
        ],
    }


register(
    "centres",
    export=_centres_export,
    anonymise=_centres_anonymise,
    summary=_centres_summary,
)
