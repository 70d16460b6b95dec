"""Check the audit log's hash chain; exit non-zero naming the first broken entry."""

from django.core.management.base import BaseCommand, CommandError

from assessments import audit
from assessments.models import AuditEntry


class Command(BaseCommand):
    help = "Recompute the audit log's hash chain and report the first broken entry."

    def handle(self, *args, **options) -> None:
        problem = next(audit.audit_chain_problems(), None)
        if problem is not None:
            raise CommandError(
                f"Audit log broken at entry #{problem.seq}: {problem.message}."
            )
        count = AuditEntry.objects.count()
        self.stdout.write(self.style.SUCCESS(f"Audit log intact: {count} entries."))
