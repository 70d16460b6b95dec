"""Writes about centres, people, cohorts and enrolments. One function per use case."""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from centres import caching as versions
from centres import enrolment_import
from centres.models import (
    ESSENTIAL_NOTIFICATION_KINDS,
    AdminAction,
    AdminEvent,
    Centre,
    Cohort,
    Enrolment,
    EnrolmentImport,
    EnrolmentStatus,
    ImportStatus,
    Membership,
    Notification,
    NotificationKind,
    NotificationPreference,
    NotificationStatus,
    Role,
    User,
)
from outbox import services as outbox_services


@transaction.atomic
def centre_create(*, name: str, slug: str, **fields) -> Centre:
    """Create a centre (or return the existing one with that slug)."""
    centre, created = Centre.objects.get_or_create(
        slug=slug, defaults={"name": name, **fields}
    )
    if created:
        centre.full_clean()
    return centre


@transaction.atomic
def user_create(
    *,
    username: str,
    email: str = "",
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
) -> User:
    """Create a user; without a password they must set one through the reset link."""
    user = User(
        username=username, email=email, first_name=first_name, last_name=last_name
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def membership_grant(*, user: User, centre: Centre, role: str) -> Membership:
    """Give `user` the `role` at `centre` (idempotent)."""
    membership, created = Membership.objects.get_or_create(
        user=user, centre=centre, role=role
    )
    if created:
        membership.full_clean()
        versions.changed(versions.cohorts(centre.pk))
    return membership


@transaction.atomic
def cohort_create(
    *,
    centre: Centre,
    name: str,
    qualification,
    start_date: date | None = None,
    end_date: date | None = None,
    assessors: list[User] | None = None,
    iqas: list[User] | None = None,
    marking_target_days: int | None = None,
    actor: User | None = None,
) -> Cohort:
    """Create a cohort on a qualification at a centre (audited when an admin acts).

    Raises ValidationError when an assessor or IQA is not staff of this centre.
    """
    cohort = Cohort(
        centre=centre,
        name=name,
        qualification=qualification,
        start_date=start_date,
        end_date=end_date,
        marking_target_days=marking_target_days,
    )
    cohort.full_clean()
    cohort.save()
    versions.changed(versions.cohorts(centre.pk))
    if actor is not None:
        admin_event_record(
            centre=centre, actor=actor, action=AdminAction.COHORT_CREATED, cohort=cohort
        )
    if assessors or iqas:
        cohort_staff_set(
            cohort=cohort, assessors=assessors or [], iqas=iqas or [], actor=actor
        )
    return cohort


@transaction.atomic
def enrolment_create(
    *, learner: User, cohort: Cohort, learner_reference: str = ""
) -> Enrolment:
    """Enrol a learner on a cohort, granting the learner role at its centre."""
    membership_grant(user=learner, centre=cohort.centre, role="learner")
    enrolment, _created = Enrolment.objects.get_or_create(
        learner=learner,
        cohort=cohort,
        defaults={
            "learner_reference": learner_reference,
            "status": EnrolmentStatus.ACTIVE,
        },
    )
    if _created:
        versions.changed(versions.cohorts(cohort.centre_id))
    return enrolment


# --- Audit ----------------------------------------------------------------------
def admin_event_record(
    *,
    centre: Centre,
    actor: User | None,
    action: str,
    cohort: Cohort | None = None,
    subject: User | None = None,
    detail: str = "",
) -> AdminEvent:
    """Append one entry to the centre's admin log (never updated or deleted)."""
    return AdminEvent.objects.create(
        centre=centre,
        actor=actor,
        action=action,
        cohort=cohort,
        subject=subject,
        detail=detail[:300],
    )


# --- Cohorts --------------------------------------------------------------------
COHORT_EDITABLE_FIELDS = ("name", "start_date", "end_date", "marking_target_days")


@transaction.atomic
def cohort_update(*, cohort: Cohort, actor: User, **changes) -> Cohort:
    """Change a cohort's name, dates or marking target (audited with what changed).

    Raises ValidationError for bad values (dates out of order, duplicate name).
    """
    unknown = set(changes) - set(COHORT_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"cohort_update cannot change {sorted(unknown)}")
    changed = [f for f, v in changes.items() if getattr(cohort, f) != v]
    if not changed:
        return cohort
    for field_name in changed:
        setattr(cohort, field_name, changes[field_name])
    cohort.full_clean()
    cohort.save(update_fields=changed)
    versions.changed(versions.cohorts(cohort.centre_id))
    admin_event_record(
        centre=cohort.centre,
        actor=actor,
        action=AdminAction.COHORT_UPDATED,
        cohort=cohort,
        detail=_("Changed: %(fields)s")
        % {"fields": ", ".join(f.replace("_", " ") for f in changed)},
    )
    return cohort


@transaction.atomic
def cohort_archive(*, cohort: Cohort, actor: User) -> Cohort:
    """Archive a cohort: it leaves lists and reports but keeps its work (idempotent)."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.archived_at is None:
        cohort.archived_at = timezone.now()
        cohort.save(update_fields=["archived_at"])
        versions.changed(versions.cohorts(cohort.centre_id))
        admin_event_record(
            centre=cohort.centre,
            actor=actor,
            action=AdminAction.COHORT_ARCHIVED,
            cohort=cohort,
        )
    return cohort


@transaction.atomic
def cohort_restore(*, cohort: Cohort, actor: User) -> Cohort:
    """Bring an archived cohort back (idempotent)."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.archived_at is not None:
        cohort.archived_at = None
        cohort.save(update_fields=["archived_at"])
        versions.changed(versions.cohorts(cohort.centre_id))
        admin_event_record(
            centre=cohort.centre,
            actor=actor,
            action=AdminAction.COHORT_RESTORED,
            cohort=cohort,
        )
    return cohort


def _staff_check(*, cohort: Cohort, users: Iterable[User], role: str) -> None:
    ids = {u.pk for u in users}
    allowed = set(
        Membership.objects.filter(
            centre_id=cohort.centre_id, role=role, user_id__in=ids
        ).values_list("user_id", flat=True)
    )
    if ids - allowed:
        label = Role(role).label
        raise ValidationError(
            _("Only this centre's %(role)s staff can be assigned.")
            % {"role": str(label).lower()}
        )


@transaction.atomic
def cohort_staff_set(
    *,
    cohort: Cohort,
    assessors: Iterable[User],
    iqas: Iterable[User],
    actor: User | None,
) -> Cohort:
    """Set the cohort's assessors and IQAs, auditing each one added or removed.

    Raises ValidationError when anyone is not an assessor / IQA at this centre.
    """
    assessors, iqas = list(assessors), list(iqas)
    _staff_check(cohort=cohort, users=assessors, role=Role.ASSESSOR)
    _staff_check(cohort=cohort, users=iqas, role=Role.IQA)
    plan = [
        (
            cohort.assessors,
            assessors,
            AdminAction.ASSESSOR_ASSIGNED,
            AdminAction.ASSESSOR_UNASSIGNED,
        ),
        (cohort.iqas, iqas, AdminAction.IQA_ASSIGNED, AdminAction.IQA_UNASSIGNED),
    ]
    events = []
    for manager, wanted, added_action, removed_action in plan:
        current = {u.pk: u for u in manager.all()}
        wanted_by_pk = {u.pk: u for u in wanted}
        added = [u for pk, u in wanted_by_pk.items() if pk not in current]
        removed = [u for pk, u in current.items() if pk not in wanted_by_pk]
        if added:
            manager.add(*added)
        if removed:
            manager.remove(*removed)
        events += [(added_action, u) for u in added]
        events += [(removed_action, u) for u in removed]
    if events:
        versions.changed(versions.cohorts(cohort.centre_id))
    if actor is not None and events:
        AdminEvent.objects.bulk_create(
            AdminEvent(
                centre_id=cohort.centre_id,
                actor=actor,
                action=action,
                cohort=cohort,
                subject=user,
            )
            for action, user in events
        )
    return cohort


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: User) -> Enrolment:
    """Withdraw a learner from a cohort; their work stays (idempotent, audited)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != EnrolmentStatus.WITHDRAWN:
        enrolment.status = EnrolmentStatus.WITHDRAWN
        enrolment.save(update_fields=["status"])
        cohort = enrolment.cohort
        versions.changed(versions.cohorts(cohort.centre_id))
        admin_event_record(
            centre=cohort.centre,
            actor=actor,
            action=AdminAction.LEARNER_WITHDRAWN,
            cohort=cohort,
            subject=enrolment.learner,
        )
    return enrolment


# --- Bulk enrolment -------------------------------------------------------------
@transaction.atomic
def enrolment_import_preview(
    *, cohort: Cohort, actor: User, filename: str, data: bytes
) -> EnrolmentImport:
    """Parse an uploaded learner file and store its preview; writes no learners.

    Raises enrolment_import.ImportFileError when the file cannot be used at all.
    """
    rows = enrolment_import.parse_upload(filename=filename, data=data)
    enrolment_import.classify_rows(rows=rows, cohort=cohort)
    upload = EnrolmentImport(
        centre_id=cohort.centre_id,
        cohort=cohort,
        uploaded_by=actor,
        filename=filename[:255],
    )
    _store_rows(upload, rows)
    upload.save()
    return upload


def _store_rows(upload: EnrolmentImport, rows: list) -> None:
    upload.rows = [row.as_dict() for row in rows]
    counts = {"create": 0, "update": 0, "reject": 0}
    for row in rows:
        counts[row.action] += 1
    upload.created_count = counts["create"]
    upload.updated_count = counts["update"]
    upload.rejected_count = counts["reject"]


class ImportChanged(Exception):
    """The data changed between preview and confirmation; show the new preview."""


def _username_for(email: str, taken: set[str]) -> str:
    base = email.lower()[:140]
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    taken.add(candidate)
    return candidate


def enrolment_import_confirm(
    *, upload: EnrolmentImport, actor: User, link_base: str
) -> EnrolmentImport:
    """Create and enrol the previewed learners in one transaction.

    Rows are re-checked against the database first; if any outcome differs from
    the preview (someone enrolled meanwhile), no learner is written, the stored
    preview is refreshed and ImportChanged is raised. New users get no password,
    only an invitation with a set-password link. A constant number of queries
    whatever the file's size (bulk inserts in batches of 1,000).
    """
    with transaction.atomic():
        done = _import_apply(upload=upload, actor=actor, link_base=link_base)
    if done is None:
        raise ImportChanged
    return done


def _import_apply(
    *, upload: EnrolmentImport, actor: User, link_base: str
) -> EnrolmentImport | None:
    upload = (
        EnrolmentImport.objects.select_for_update()
        .select_related("cohort", "cohort__centre")
        .get(pk=upload.pk)
    )
    if upload.status != ImportStatus.PREVIEWED:
        raise ValidationError(_("This import has already been confirmed or cancelled."))
    cohort = upload.cohort
    if cohort.archived_at is not None:
        raise ValidationError(_("This cohort is archived; restore it to enrol."))
    previous = [(r["line"], r["action"], r["user_id"]) for r in upload.rows]
    rows = [enrolment_import.Row.from_dict(r) for r in upload.rows]
    enrolment_import.classify_rows(rows=rows, cohort=cohort)
    if [(r.line, r.action, r.user_id) for r in rows] != previous:
        _store_rows(upload, rows)
        upload.save(
            update_fields=["rows", "created_count", "updated_count", "rejected_count"]
        )
        return None  # the refreshed preview commits; nothing else is written

    to_create = [r for r in rows if r.action == enrolment_import.CREATE]
    to_update = [r for r in rows if r.action == enrolment_import.UPDATE]
    taken = set(
        User.objects.filter(
            username__in=[r.email.lower()[:140] for r in to_create]
        ).values_list("username", flat=True)
    )
    unusable = make_password(None)  # "!" + random: nobody can sign in with it
    new_users = User.objects.bulk_create(
        [
            User(
                username=_username_for(r.email, taken),
                email=r.email,
                first_name=r.first_name,
                last_name=r.last_name,
                password=unusable,
            )
            for r in to_create
        ],
        batch_size=1000,
    )
    if not all(u.pk for u in new_users):  # backends without RETURNING
        by_username = dict(
            User.objects.filter(
                username__in=[u.username for u in new_users]
            ).values_list("username", "pk")
        )
        for user in new_users:
            user.pk = by_username[user.username]
    for row, user in zip(to_create, new_users, strict=True):
        row.user_id = user.pk

    learner_ids = [r.user_id for r in to_create + to_update]
    has_membership = set(
        Membership.objects.filter(
            centre_id=cohort.centre_id, role=Role.LEARNER, user_id__in=learner_ids
        ).values_list("user_id", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(user_id=uid, centre_id=cohort.centre_id, role=Role.LEARNER)
            for uid in learner_ids
            if uid not in has_membership
        ],
        batch_size=1000,
    )
    reenrol = [r for r in to_update if r.enrolment_id]
    Enrolment.objects.bulk_create(
        [
            Enrolment(
                learner_id=r.user_id,
                cohort=cohort,
                learner_reference=r.reference,
                status=EnrolmentStatus.ACTIVE,
            )
            for r in to_create + to_update
            if not r.enrolment_id
        ],
        batch_size=1000,
    )
    if reenrol:
        refs = {r.enrolment_id: r.reference for r in reenrol}
        existing = list(Enrolment.objects.filter(pk__in=list(refs)))
        for enrolment in existing:
            enrolment.status = EnrolmentStatus.ACTIVE
            enrolment.learner_reference = refs[enrolment.pk] or (
                enrolment.learner_reference
            )
        Enrolment.objects.bulk_update(
            existing, ["status", "learner_reference"], batch_size=1000
        )

    from_import = _("From import %(file)s") % {"file": upload.filename}
    AdminEvent.objects.bulk_create(
        [
            AdminEvent(
                centre_id=cohort.centre_id,
                actor=actor,
                action=AdminAction.LEARNERS_IMPORTED,
                cohort=cohort,
                detail=_(
                    "%(file)s: %(new)s new, %(existing)s existing, "
                    "%(rejected)s rejected"
                )
                % {
                    "file": upload.filename,
                    "new": len(to_create),
                    "existing": len(to_update),
                    "rejected": upload.rejected_count,
                },
            )
        ]
        + [
            AdminEvent(
                centre_id=cohort.centre_id,
                actor=actor,
                action=(
                    AdminAction.LEARNER_REENROLLED
                    if r.enrolment_id
                    else AdminAction.LEARNER_ENROLLED
                ),
                cohort=cohort,
                subject_id=r.user_id,
                detail=from_import,
            )
            for r in to_create + to_update
        ],
        batch_size=1000,
    )
    invitations_send(
        users=new_users, centre=cohort.centre, cohort=cohort, link_base=link_base
    )
    versions.changed(versions.cohorts(cohort.centre_id))
    upload.status = ImportStatus.CONFIRMED
    upload.confirmed_at = timezone.now()
    # Keep only the counts and the rejected lines: the personal data has done its job.
    upload.rows = [r.as_dict() for r in rows if r.action == enrolment_import.REJECT]
    upload.save(update_fields=["status", "confirmed_at", "rows"])
    return upload


@transaction.atomic
def enrolment_import_cancel(*, upload: EnrolmentImport) -> EnrolmentImport:
    """Drop a previewed import and its stored rows (idempotent)."""
    if upload.status == ImportStatus.PREVIEWED:
        upload.status = ImportStatus.CANCELLED
        upload.rows = []
        upload.save(update_fields=["status", "rows"])
    return upload


# --- Notifications --------------------------------------------------------------
# Invitations go out in tasks of this many emails: one outbox message per batch
# keeps a 5,000-learner import to 20 messages.
NOTIFICATION_BATCH = 250


def _enqueue_delivery(ids: list[int]) -> None:
    for start in range(0, len(ids), NOTIFICATION_BATCH):
        outbox_services.enqueue(
            "centres.tasks.notifications_deliver_task",
            ids[start : start + NOTIFICATION_BATCH],
        )


def _muted(user: User) -> set[str]:
    pref = NotificationPreference.objects.filter(user=user).first()
    return set(pref.muted_kinds) if pref else set()


@transaction.atomic
def notification_send(
    *, user: User, kind: str, subject: str, body: str
) -> Notification | None:
    """Email `user` (through the outbox) unless they switched this kind off.

    Essential kinds (invitations, account and security) always go. Returns the
    queued Notification, or None when it was not sent (muted, or no address).
    """
    kind = NotificationKind(kind)
    if not user.email or not user.is_active:
        return None
    if kind not in ESSENTIAL_NOTIFICATION_KINDS and kind in _muted(user):
        return None
    notification = Notification.objects.create(
        user=user, kind=kind, subject=subject[:200], body=body
    )
    _enqueue_delivery([notification.pk])
    return notification


def invitations_send(
    *, users: list[User], centre: Centre, cohort: Cohort | None, link_base: str
) -> list[Notification]:
    """Queue invitation emails (essential) with a set-password link made at send
    time, so no usable token is ever stored."""
    where = cohort.name if cohort else centre.name
    subject = _("You have been invited to Criterion by %(centre)s") % {
        "centre": centre.name
    }
    body = _(
        "Hello %(name)s,\n\n%(centre)s has enrolled you on %(where)s in "
        "Criterion, where you will revise and build your portfolio.\n\n"
        "Your username is %(username)s. Choose your password here:\n"
        "{set_password_url}\n\nThe link works once and expires in "
        "%(days)s days. If you did not expect this email, ignore it."
    )
    days = settings.PASSWORD_RESET_TIMEOUT // 86400
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                user=user,
                kind=NotificationKind.INVITATION,
                subject=subject,
                body=body
                % {
                    "name": user.first_name or user.username,
                    "centre": centre.name,
                    "where": where,
                    "username": user.username,
                    "days": days,
                },
                link_base=link_base.rstrip("/"),
            )
            for user in users
            if user.email
        ],
        batch_size=1000,
    )
    ids = [n.pk for n in notifications]
    if ids and not all(ids):  # backends without RETURNING
        ids = list(
            Notification.objects.filter(
                user__in=users,
                kind=NotificationKind.INVITATION,
                status=NotificationStatus.PENDING,
            ).values_list("pk", flat=True)
        )
    _enqueue_delivery(ids)
    return notifications


def set_password_url(*, user: User, link_base: str) -> str:
    """An absolute set-password link (Django's password reset token and uid)."""
    path = reverse(
        "password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return f"{link_base.rstrip('/')}{path}"


def notification_deliver(*, notification_id: int) -> bool:
    """Send one queued email; safe to run twice (sends only while pending).

    Returns whether an email went out. Raises the mail backend's error on failure,
    leaving the row pending so a retry sends it.
    """
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("user")
            .filter(pk=notification_id, status=NotificationStatus.PENDING)
            .first()
        )
        if notification is None:
            return False
        user = notification.user
        body = notification.body
        if notification.kind == NotificationKind.INVITATION:
            body = body.replace(
                "{set_password_url}",
                set_password_url(user=user, link_base=notification.link_base),
            )
        send_mail(
            notification.subject,
            body,
            settings.DEFAULT_FROM_EMAIL,
            [user.email],
        )
        notification.status = NotificationStatus.SENT
        notification.sent_at = timezone.now()
        notification.save(update_fields=["status", "sent_at"])
        return True


@transaction.atomic
def notification_preferences_update(
    *, user: User, muted_kinds: Iterable[str]
) -> NotificationPreference:
    """Switch off the given non-essential email kinds (essential ones stay on).

    Raises PermissionDenied if asked to mute an essential kind.
    """
    kinds = sorted({NotificationKind(k) for k in muted_kinds})
    if set(kinds) & ESSENTIAL_NOTIFICATION_KINDS:
        raise PermissionDenied("Essential emails cannot be switched off.")
    pref, _created = NotificationPreference.objects.get_or_create(user=user)
    pref.muted_kinds = [str(k) for k in kinds]
    pref.save(update_fields=["muted_kinds", "updated_at"])
    return pref
