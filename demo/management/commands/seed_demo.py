"""Create (or top up) the demo world: centres, people, cohorts and their work."""

import json
import time

from django.core.management.base import BaseCommand, CommandParser
from django.test.utils import override_settings

from demo import world as demo_world


class Command(BaseCommand):
    help = "Create the demo world. Idempotent: running it twice changes nothing."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password", default="demo", help="Password for every demo account."
        )
        parser.add_argument(
            "--learners",
            type=int,
            default=24,
            help="Learners per centre (at least 8; the default leaves room for every demo state).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the accounts as a JSON list."
        )

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        world = demo_world.World(
            password=options["password"],
            learners_per_centre=max(8, options["learners"]),
            quiet=options["json"],
            out=self.stderr,
        )
        # The demo's people are fictional: keep the emails its steps trigger
        # (submission marked, invitations) off the console.
        with override_settings(
            MAILERS={
                "default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
            }
        ):
            demo_world.build(world)
        if options["json"]:
            self.stdout.write(json.dumps(world.accounts, indent=2))
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo world ready in {time.monotonic() - started:.1f}s. "
                f"Sign in with any of these (password: {options['password']}):"
            )
        )
        shown = [
            a for a in world.accounts if not a["username"].endswith(tuple("3456789"))
        ]
        for account in shown[:14]:
            self.stdout.write(
                f"  {account['username']:<22} {account['role']:<9} {account['centre']}"
            )
        if len(world.accounts) > len(shown[:14]):
            self.stdout.write(
                f"  … and {len(world.accounts) - len(shown[:14])} more (--json lists all)"
            )
