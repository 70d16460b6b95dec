"""Bulk enrolment from CSV / XLSX: parsing, preview, confirmation, every bad input."""

import io
import time

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import Workbook

from centres import enrolment_import, services
from centres.models import (
    AdminAction,
    AdminEvent,
    Enrolment,
    EnrolmentImport,
    EnrolmentStatus,
    ImportStatus,
    Membership,
    Notification,
    User,
)
from outbox.models import OutboxMessage
from tests import factories

HEADER = "First name,Last name,Email,Learner reference\n"


def csv_bytes(*lines: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(lines) + "\n").encode()


def xlsx_bytes(rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, cohort, data: bytes, name: str = "learners.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        reverse("centres:console-import-upload", args=[cohort.pk]),
        {"file": SimpleUploadedFile(name, data)},
    )


def actions(rows):
    return [(r.line, r.action) for r in rows]


# --- Parsing (no database) ----------------------------------------------------------
def test_parse_reads_columns_in_any_order_with_aliases():
    data = csv_bytes(
        "ada@example.org,Lovelace,Ada,AL-1",
        header="E-mail address,Surname,Forename,ULN\n",
    )
    [row] = enrolment_import.parse_upload(filename="x.csv", data=data)
    assert (row.first_name, row.last_name, row.email, row.reference) == (
        "Ada",
        "Lovelace",
        "ada@example.org",
        "AL-1",
    )


def test_parse_reference_column_is_optional_and_blank_lines_skipped():
    data = b"first name,last name,email\n\nAda,Lovelace,ada@example.org\n,,\n"
    [row] = enrolment_import.parse_upload(filename="x.csv", data=data)
    assert row.line == 3
    assert row.reference == ""


def test_missing_columns_say_which():
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(
            filename="x.csv", data=b"Name,Email\nAda Lovelace,ada@example.org\n"
        )
    message = str(error.value)
    assert "missing these columns: first name, last name" in message
    assert "“Name”, “Email”" in message


def test_wrong_encoding_is_detected_and_explained():
    data = "First name,Last name,Email\nZoë,Brontë,zoe@example.org\n".encode("cp1252")
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(filename="x.csv", data=data)
    assert "not UTF-8" in str(error.value)
    assert "line 2" in str(error.value)


def test_utf16_with_bom_is_read():
    data = "First name\tLast name\tEmail\nZoë\tBrontë\tzoe@example.org\n".encode(
        "utf-16"
    )
    [row] = enrolment_import.parse_upload(filename="x.txt", data=data)
    assert row.first_name == "Zoë"


def test_utf8_with_bom_and_semicolons_is_read():
    data = "\ufeffFirst name;Last name;Email\nZoë;Brontë;zoe@example.org\n".encode()
    [row] = enrolment_import.parse_upload(filename="x.csv", data=data)
    assert (row.first_name, row.email) == ("Zoë", "zoe@example.org")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"First name,Last name,Email\n", "headings but no learner rows"),
        (b"\x00\x01\x02binary", "binary data"),
        (b"PK\x03\x04not really a zip", "cannot be opened"),
    ],
)
def test_unusable_files_say_why(data, message):
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(filename="x.csv", data=data)
    assert message in str(error.value)


def test_ten_thousand_rows_are_refused_with_a_clear_message():
    lines = [f"A{i},B{i},p{i}@example.org" for i in range(10_000)]
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(filename="x.csv", data=csv_bytes(*lines))
    assert "10,000 learner rows" in str(error.value)
    assert "at most 5,000" in str(error.value)


def test_xlsx_formulas_are_read_as_values_never_formulas():
    data = xlsx_bytes(
        [
            ["First name", "Last name", "Email", "Learner reference"],
            ["Ada", "Lovelace", "ada@example.org", 12345],
            ['=HYPERLINK("http://evil")', "Smith", "s@example.org", None],
        ]
    )
    rows = enrolment_import.parse_upload(filename="x.xlsx", data=data)
    assert rows[0].reference == "12345"
    # openpyxl (data_only) gives no cached value for an uncalculated formula.
    assert not rows[1].first_name.startswith("=")


# --- Classification -----------------------------------------------------------------
@pytest.mark.django_db
def test_every_bad_row_is_rejected_with_its_reason(cohort, enrolled_learner):
    enrolled_learner.email = "already@example.org"
    enrolled_learner.save()
    data = csv_bytes(
        "Ada,Lovelace,ada@example.org,R1",
        "Bad,Email,not-an-email,",
        "Ada,Again,ADA@example.org,",
        ",Nameless,nameless@example.org,",
        "Al,Ready,already@example.org,",
        "=cmd|' /C calc'!A0,Hacker,h@example.org,",
        "Ok,Ref,ok@example.org,@SUM(1)",
    )
    rows = enrolment_import.classify_rows(
        rows=enrolment_import.parse_upload(filename="x.csv", data=data), cohort=cohort
    )
    by_line = {r.line: r for r in rows}
    assert by_line[2].action == "create"
    assert by_line[3].reasons == ["“not-an-email” is not a valid email address."]
    assert by_line[4].reasons == ["Duplicate email: the same address is on line 2."]
    assert by_line[5].reasons == ["The first name is missing."]
    assert by_line[6].reasons == ["Already enrolled on this cohort."]
    assert by_line[7].reasons == ["The first name looks like a spreadsheet formula."]
    assert by_line[8].reasons == [
        "The learner reference looks like a spreadsheet formula."
    ]
    assert [r.action for r in rows].count("reject") == 6


@pytest.mark.django_db
def test_existing_account_and_withdrawn_learner_are_updates(cohort, other_learner):
    other_learner.email = "moved@example.org"
    other_learner.save()
    withdrawn = factories.UserFactory(email="back@example.org")
    factories.EnrolmentFactory(
        learner=withdrawn, cohort=cohort, status=EnrolmentStatus.WITHDRAWN
    )
    data = csv_bytes("Mo,Ved,moved@example.org,", "Ba,Ck,back@example.org,")
    rows = enrolment_import.classify_rows(
        rows=enrolment_import.parse_upload(filename="x.csv", data=data), cohort=cohort
    )
    assert actions(rows) == [(2, "update"), (3, "update")]
    assert rows[1].reasons == ["Withdrawn earlier: will be re-enrolled."]


# --- Preview and confirm through the console ---------------------------------------
@pytest.mark.django_db
def test_preview_writes_nothing_and_confirm_enrols_and_invites(
    client_for, centre_admin, cohort, django_capture_on_commit_callbacks, settings
):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = client_for(centre_admin)
    users_before = User.objects.count()
    # given an upload with one good and one bad row
    response = upload(
        client, cohort, csv_bytes("Priya,Shah,priya@example.org,NG-7", "X,Y,nope,")
    )
    stored = EnrolmentImport.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("centres:console-import", args=[stored.pk])
    # then the preview lists both and nothing is written
    page = client.get(response.url).content.decode()
    assert "priya@example.org" in page
    assert "“nope” is not a valid email address." in page
    assert "1 row rejected" in page
    assert User.objects.count() == users_before
    assert Enrolment.objects.filter(cohort=cohort).count() == 0
    # when the admin confirms
    from config.celery import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse("centres:console-import-confirm", args=[stored.pk])
            )
    finally:
        app.conf.task_always_eager = False
    # then the learner exists, is enrolled, has no usable password, and is invited
    assert response.status_code == 302
    priya = User.objects.get(email="priya@example.org")
    assert not priya.has_usable_password()
    assert priya.username == "priya@example.org"
    enrolment = Enrolment.objects.get(cohort=cohort)
    assert (enrolment.learner, enrolment.learner_reference) == (priya, "NG-7")
    assert Membership.objects.filter(user=priya, centre=cohort.centre, role="learner")
    [email] = mail.outbox
    assert email.to == ["priya@example.org"]
    assert "/accounts/reset/" in email.body
    assert "Your username is priya@example.org" in email.body
    assert "password:" not in email.body.lower()  # a link, never a password
    stored.refresh_from_db()
    assert stored.status == ImportStatus.CONFIRMED
    assert [r["email"] for r in stored.rows] == ["nope"]  # only rejected rows kept
    assert AdminEvent.objects.filter(
        actor=centre_admin, action=AdminAction.LEARNER_ENROLLED, subject=priya
    ).exists()


@pytest.mark.django_db
def test_invitation_link_sets_a_password(client, cohort, centre_admin):
    stored = services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="a.csv",
        data=csv_bytes("Tom,Hardy,tom@example.org,"),
    )
    services.enrolment_import_confirm(
        upload=stored, actor=centre_admin, link_base="http://testserver/"
    )
    note = Notification.objects.get()
    assert "{set_password_url}" in note.body  # no token is stored
    assert services.notification_deliver(notification_id=note.pk) is True
    assert services.notification_deliver(notification_id=note.pk) is False  # once
    link = next(w for w in mail.outbox[0].body.split() if "/accounts/reset/" in w)
    response = client.get(link.replace("http://testserver", ""), follow=True)
    assert response.status_code == 200
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url,
        {"new_password1": "a-long-new-pass-77", "new_password2": "a-long-new-pass-77"},
    )
    assert response.status_code == 302
    assert User.objects.get(email="tom@example.org").check_password(
        "a-long-new-pass-77"
    )


@pytest.mark.django_db
def test_bad_file_shows_the_reason_and_writes_nothing(client_for, centre_admin, cohort):
    client = client_for(centre_admin)
    response = upload(client, cohort, b"Name,Email\nA,a@example.org\n")
    assert response.status_code == 400
    assert "missing these columns: first name, last name" in response.content.decode()
    assert EnrolmentImport.objects.count() == 0


@pytest.mark.django_db
def test_wrong_extension_is_refused(client_for, centre_admin, cohort):
    response = upload(client_for(centre_admin), cohort, b"%PDF-1.4", name="a.pdf")
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file" in response.content.decode()


@pytest.mark.django_db
def test_changed_since_preview_refuses_and_refreshes(cohort, centre_admin):
    stored = services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="a.csv",
        data=csv_bytes("Tom,Hardy,tom@example.org,", "Ann,Bell,ann@example.org,"),
    )
    # someone enrols Tom by hand in between
    tom = factories.UserFactory(email="tom@example.org")
    services.enrolment_create(learner=tom, cohort=cohort)
    with pytest.raises(services.ImportChanged):
        services.enrolment_import_confirm(
            upload=stored, actor=centre_admin, link_base="http://x/"
        )
    stored.refresh_from_db()
    assert stored.status == ImportStatus.PREVIEWED
    assert stored.rejected_count == 1
    assert not User.objects.filter(email="ann@example.org").exists()


@pytest.mark.django_db
def test_failure_midway_imports_nothing(cohort, centre_admin, monkeypatch):
    stored = services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="a.csv",
        data=csv_bytes("Tom,Hardy,tom@example.org,", "Ann,Bell,ann@example.org,"),
    )

    def boom(**kwargs):
        raise RuntimeError("mail queue down")

    monkeypatch.setattr(services, "invitations_send", boom)
    with pytest.raises(RuntimeError):
        services.enrolment_import_confirm(
            upload=stored, actor=centre_admin, link_base="http://x/"
        )
    assert not User.objects.filter(email__in=["tom@example.org", "ann@example.org"])
    assert Enrolment.objects.filter(cohort=cohort).count() == 0
    assert AdminEvent.objects.count() == 0


@pytest.mark.django_db
def test_xlsx_upload_previews(client_for, centre_admin, cohort):
    data = xlsx_bytes(
        [["First name", "Last name", "Email"], ["Ada", "Lovelace", "ada@example.org"]]
    )
    response = upload(client_for(centre_admin), cohort, data, name="learners.xlsx")
    assert response.status_code == 302
    assert EnrolmentImport.objects.get().created_count == 1


@pytest.mark.django_db
def test_five_thousand_rows_import_in_seconds_at_constant_queries(
    cohort, centre_admin, django_assert_max_num_queries
):
    # given 5,000 new learners and an existing user whose username is taken
    factories.UserFactory(username="l0@example.org", email="someone@else.org")
    lines = [f"First{i},Last{i},l{i}@example.org,REF{i}" for i in range(5_000)]
    started = time.perf_counter()
    stored = services.enrolment_import_preview(
        cohort=cohort, actor=centre_admin, filename="big.csv", data=csv_bytes(*lines)
    )
    # then the confirmed import runs in one batch of bulk inserts
    with django_assert_max_num_queries(80):
        services.enrolment_import_confirm(
            upload=stored, actor=centre_admin, link_base="http://x/"
        )
    elapsed = time.perf_counter() - started
    assert Enrolment.objects.filter(cohort=cohort).count() == 5_000
    assert User.objects.get(email="l0@example.org").username == "l0@example.org-2"
    assert Notification.objects.count() == 5_000
    assert OutboxMessage.objects.count() == 20  # 250 emails per task
    assert elapsed < 15, f"5,000-row import took {elapsed:.1f} s"


@pytest.mark.django_db
def test_cannot_preview_or_confirm_another_centres_import(
    client_for, other_admin, cohort, centre_admin
):
    stored = services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="a.csv",
        data=csv_bytes("Tom,Hardy,tom@example.org,"),
    )
    client = client_for(other_admin)
    assert (
        client.get(reverse("centres:console-import", args=[stored.pk])).status_code
        == 404
    )
    response = client.post(reverse("centres:console-import-confirm", args=[stored.pk]))
    assert response.status_code == 404
    response = upload(client, cohort, csv_bytes("Eve,Il,eve@example.org,"))
    assert response.status_code == 404
    stored.refresh_from_db()
    assert stored.status == ImportStatus.PREVIEWED
    assert not User.objects.filter(email__in=["tom@example.org", "eve@example.org"])


@pytest.mark.django_db
def test_cancel_drops_the_stored_rows(client_for, centre_admin, cohort):
    stored = services.enrolment_import_preview(
        cohort=cohort,
        actor=centre_admin,
        filename="a.csv",
        data=csv_bytes("Tom,Hardy,tom@example.org,"),
    )
    client_for(centre_admin).post(
        reverse("centres:console-import-cancel", args=[stored.pk])
    )
    stored.refresh_from_db()
    assert (stored.status, stored.rows) == (ImportStatus.CANCELLED, [])
    assert not User.objects.filter(email="tom@example.org").exists()


def test_old_excel_files_are_explained():
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(
            filename="learners.xls",
            data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64,
        )
    assert "Old Excel .xls files are not supported" in str(error.value)


def test_ten_thousand_row_workbook_is_refused_without_reading_it_all():
    rows = [["First name", "Last name", "Email"]] + [
        [f"A{i}", f"B{i}", f"p{i}@example.org"] for i in range(10_000)
    ]
    with pytest.raises(enrolment_import.ImportFileError) as error:
        enrolment_import.parse_upload(filename="big.xlsx", data=xlsx_bytes(rows))
    assert "has more than 5,000 learner rows" in str(error.value)
    assert "Nothing was imported." in str(error.value)
