"""Real concurrent writers on PostgreSQL (SQLite serialises whole transactions, so
these run only where row locks matter): two saves of the same marking version, and
many audit writers appending to the chain at once."""

import threading

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from assessments import audit, services
from assessments.models import AuditEntry, Marking
from assessments.services import JudgementInput

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.USING_POSTGRES, reason="row-level locking needs PostgreSQL"
    ),
]


def run_together(*targets):
    barrier = threading.Barrier(len(targets))
    results: list = [None] * len(targets)

    def wrap(i, target):
        barrier.wait()
        try:
            results[i] = target()
        except Exception as error:  # the error is the result under test
            results[i] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=wrap, args=(i, t)) for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_simultaneous_saves_of_one_version_one_wins(assessor, submission, points):
    marking = services.marking_start(assessor=assessor, submission=submission)

    def save(text):
        return lambda: services.marking_save(
            assessor=assessor,
            marking=Marking.objects.get(pk=marking.pk),
            expected_version=1,
            judgements={points[0].pk: JudgementInput(value=2, comment=text)},
            summative_feedback=text,
        )

    results = run_together(save("from tab A"), save("from tab B"))
    conflicts = [r for r in results if isinstance(r, services.MarkingConflict)]
    saved = [r for r in results if isinstance(r, Marking)]
    assert (len(saved), len(conflicts)) == (1, 1)
    current = Marking.objects.get(pk=marking.pk)
    assert current.version == 2
    assert current.summative_feedback == saved[0].summative_feedback
    row = current.judgements.get(marking_point=points[0])
    assert row.comment == current.summative_feedback  # both from the same winner


def test_concurrent_audit_writers_keep_one_unbroken_chain():
    def write(n):
        return lambda: audit.audit_record(
            actor=None, action="test", object_type="t", object_id=n, payload={"n": n}
        )

    results = run_together(*(write(n) for n in range(8)))
    assert not [r for r in results if isinstance(r, Exception)]
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == list(range(1, 9))
    call_command("verify_audit_log")
