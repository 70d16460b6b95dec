"""The hash-chained audit log and verify_audit_log."""

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from assessments import audit
from assessments.models import AuditEntry


def record(n, actor=None):
    return [
        audit.audit_record(
            actor=actor,
            action="decision.finalise",
            object_type="assessments.assessmentdecision",
            object_id=i + 1,
            payload={"score": i, "outcome": "achieved", "note": "Très bien — £5"},
        )
        for i in range(n)
    ]


@pytest.mark.django_db
def test_entries_chain_to_the_previous_hash(assessor):
    first, second, third = record(3, assessor)
    assert first.prev_hash == "0" * 64
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert [e.seq for e in AuditEntry.objects.all()] == [1, 2, 3]


@pytest.mark.django_db
def test_verify_passes_on_an_intact_log(capsys):
    record(4)
    call_command("verify_audit_log")
    assert "Audit log intact: 4 entries." in capsys.readouterr().out


@pytest.mark.django_db
def test_verify_names_the_first_entry_edited_with_raw_sql():
    entries = record(5)
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET action = %s WHERE seq = %s",
            ["decision.delete", entries[2].seq],
        )
    with pytest.raises(CommandError, match=r"broken at entry #3: .*edited"):
        call_command("verify_audit_log")


@pytest.mark.django_db
def test_verify_detects_a_payload_edit_even_with_a_recomputed_hash():
    entries = record(3)
    table = AuditEntry._meta.db_table
    tampered = AuditEntry.objects.get(seq=2)
    tampered.payload = {"score": 99}
    new_hash = tampered.compute_hash()
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET payload = %s, hash = %s WHERE seq = 2",
            ['{"score": 99}', new_hash],
        )
    # The next entry still points at the old hash.
    with pytest.raises(CommandError, match=r"entry #3: its previous-hash"):
        call_command("verify_audit_log")
    assert entries[2].prev_hash != new_hash


@pytest.mark.django_db
def test_verify_detects_deleted_rows():
    record(4)
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE seq = 4")
    with pytest.raises(CommandError, match="entries were removed"):
        call_command("verify_audit_log")


@pytest.mark.django_db
def test_orm_cannot_update_or_delete_an_entry():
    (entry,) = record(1)
    entry.action = "changed"
    with pytest.raises(ValidationError, match="append-only"):
        entry.save()
    with pytest.raises(ValidationError, match="append-only"):
        entry.delete()
    assert AuditEntry.objects.get().action == "decision.finalise"
