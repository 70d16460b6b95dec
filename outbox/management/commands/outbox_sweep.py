"""Send pending outbox messages now (for cron, or after a broker outage)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from outbox import services


class Command(BaseCommand):
    help = "Send outbox messages left pending while the broker was unreachable."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Include messages under 30 s old."
        )

    def handle(self, *args, **options) -> None:
        older = timedelta(0) if options["all"] else timedelta(seconds=30)
        sent = services.sweep(older_than=older)
        self.stdout.write(f"Sent {sent} pending message(s).")
