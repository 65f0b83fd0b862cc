"""Deliver the cache purges that a cache or front cache has not yet acknowledged.

The app servers retry them on their own every few seconds; this command is for
a deployment without running app servers, or to wait for the backlog after an
outage: python manage.py deliver_purges [--wait SECONDS]
"""

import time

from django.core.management.base import BaseCommand, CommandError

from monographs.caching import outbox


class Command(BaseCommand):
    help = (
        "Purge the cached pages that changes still have to purge (the app servers also retry them); "
        "exit status 1 if some remain."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--wait", type=float, default=0, metavar="SECONDS", help="keep retrying this long while purges remain"
        )

    def handle(self, *args, wait, **options):
        if wait < 0:
            raise CommandError("--wait: give a number of seconds, 0 or more.")
        deadline = time.monotonic() + wait
        while True:
            outbox.deliver()
            left = outbox.backlog()
            if not left["pending"] or time.monotonic() >= deadline:
                break
            time.sleep(min(outbox.POLL_SECONDS, max(deadline - time.monotonic(), 0)))
        if left["pending"]:
            raise CommandError(
                f"{left['pending']} change(s) not yet purged from {', '.join(left['targets'])} "
                f"(the oldest {left['oldest_seconds']} s ago); the app servers keep retrying."
            )
        if options["verbosity"]:
            self.stdout.write("Every change is purged from every cache.")
