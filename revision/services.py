"""Writes for revision content started from the browser (the importer itself is in
revision/importer.py, shared with the management commands)."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from revision import importer, tasks
from revision.models import DocumentImport, Qualification

MAX_UPLOAD_BYTES = 1_048_576  # 1 MB: the real documents are under 10 kB


@transaction.atomic
def document_import_create(
    *, user, qualification: Qualification, unit_title: str, file_name: str, data: bytes
) -> DocumentImport:
    """Record an upload and queue its import after commit. Raises ValidationError."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ValidationError(f"{file_name}: the file is larger than 1 MB")
    upload = DocumentImport(
        uploaded_by=user,
        qualification=qualification,
        unit_title=unit_title.strip(),
        file_name=file_name[:255],
        data=data,
    )
    upload.full_clean()
    upload.save()
    transaction.on_commit(partial(tasks.document_import_run_task.delay, upload.pk))
    return upload


def document_import_run(*, import_id: int) -> DocumentImport:
    """Run a queued upload's import once; a second run is a no-op.

    The status moves pending → running under select_for_update, so two workers
    cannot both take it. The import itself is one transaction; on failure the
    message names the file and nothing of it is written.
    """
    with transaction.atomic():
        upload = DocumentImport.objects.select_for_update().get(pk=import_id)
        if upload.status != DocumentImport.Status.PENDING:
            return upload
        upload.status = DocumentImport.Status.RUNNING
        upload.save(update_fields=["status"])
    try:
        results = importer.file_import(
            data=bytes(upload.data),
            name=upload.file_name,
            qualification_title=upload.qualification.title,
            unit_title=upload.unit_title,
        )
    except importer.ImportFailed as exc:
        upload.status = DocumentImport.Status.FAILED
        upload.message = str(exc)
        upload.finished_at = timezone.now()
        upload.save(update_fields=["status", "message", "finished_at"])
        return upload
    first = results[0]
    upload.status = DocumentImport.Status.DONE
    upload.topic = first.topic
    upload.message = "\n".join(r.summary_line() for r in results)
    upload.summary = {
        "results": [
            {
                "action": r.action,
                "topic": r.topic.title,
                "counts": r.counts,
                "warnings": r.warnings,
            }
            for r in results
        ]
    }
    upload.finished_at = timezone.now()
    upload.save(update_fields=["status", "topic", "message", "summary", "finished_at"])
    return upload
