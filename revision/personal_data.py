"""What revision/ keeps about a person: the documents an admin imported.

Registered with centres.personal_data from RevisionConfig.ready(). The import rows
name their uploader by a link to the user row, which erasure anonymises; the
documents are the awarding body's content, not personal data, so they stay.
"""

from typing import Any

from centres import personal_data
from centres.models import User
from revision.models import DocumentImport


def export(user: User) -> dict[str, Any]:
    return {
        "document_imports": list(
            DocumentImport.objects.filter(uploaded_by=user)
            .order_by("created_at")
            .values(
                "file_name",
                "unit_title",
                "qualification__title",
                "status",
                "created_at",
                "finished_at",
            )
        )
    }


def register() -> None:
    personal_data.register("revision", export=export)
