"""Appending to and checking the hash-chained audit log.

Writers lock the chain head row (`select_for_update`), so concurrent decisions are
appended one after another, each entry carrying the previous entry's hash.
"""

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from assessments.models import GENESIS_HASH, AuditChainHead, AuditEntry


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as the database will give it back (JSON types only)."""
    return json.loads(json.dumps(payload, default=str))


@transaction.atomic
def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: Any = "",
    centre: Any = None,
    payload: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, chained to the previous one.

    Locks the chain head so concurrent writers append in order; call it inside the
    transaction that makes the change it records, so both commit or neither does.
    """
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(pk=1)
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = obj.pk
    entry = AuditEntry(
        seq=head.seq + 1,
        created_at=timezone.now(),
        actor_id=getattr(actor, "pk", actor),
        centre_id=getattr(centre, "pk", centre),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        payload=_plain(payload or {}),
        prev_hash=head.hash,
    )
    entry.hash = entry.compute_hash()
    entry.save(force_insert=True)
    head.seq, head.hash = entry.seq, entry.hash
    head.save(update_fields=["seq", "hash"])
    return entry


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def audit_chain_problems(*, batch: int = 2000) -> Iterator[ChainProblem]:
    """Recompute every entry's hash in order; yield each break in the chain.

    Catches an edited field (hash mismatch), a deleted or inserted row (sequence
    gap or previous-hash mismatch) and trailing rows deleted (head mismatch).
    """
    expected_prev = GENESIS_HASH
    expected_seq = 1
    for entry in AuditEntry.objects.order_by("seq").iterator(chunk_size=batch):
        if entry.seq != expected_seq:
            yield ChainProblem(
                entry.seq, f"expected entry #{expected_seq} next, found #{entry.seq}"
            )
        if entry.prev_hash != expected_prev:
            yield ChainProblem(
                entry.seq, "its previous-hash does not match the entry before it"
            )
        if entry.compute_hash() != entry.hash:
            yield ChainProblem(
                entry.seq, "its contents do not match its hash (it was edited)"
            )
        expected_prev = entry.hash
        expected_seq = entry.seq + 1
    head = AuditChainHead.objects.filter(pk=1).first()
    last_seq = expected_seq - 1
    if head is not None and (head.seq != last_seq or head.hash != expected_prev):
        yield ChainProblem(
            head.seq,
            f"the chain head records #{head.seq} but the log ends at #{last_seq}"
            " (entries were removed)",
        )
