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
        # Every staff account, and the first two learners at each centre.
        learners_shown: dict[str, int] = {}
        shown = []
        for account in world.accounts:
            if account["role"] == "learner":
                learners_shown[account["centre"]] = (
                    learners_shown.get(account["centre"], 0) + 1
                )
                if learners_shown[account["centre"]] > 2:
                    continue
            shown.append(account)
        for account in shown:
            self.stdout.write(
                f"  {account['username']:<22} {account['role']:<9} {account['centre']}"
            )
        self.stdout.write(
            f"  … and {len(world.accounts) - len(shown)} more learners"
            " (--json lists all)"
        )
