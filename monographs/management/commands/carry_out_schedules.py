"""Carry out the scheduled go-lives and take-downs whose time has come, with their purges.

The app servers do this on their own every few seconds, and a public page does it
before it is rendered; this command is for cron on a deployment without running
app servers: python manage.py carry_out_schedules
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from monographs import editorial
from monographs.caching import outbox


class Command(BaseCommand):
    help = "Publish the signed-off answers and take down the answers whose scheduled time has come."

    def handle(self, *args, **options):
        done = editorial.carry_out_schedules()
        outbox.deliver()
        if options["verbosity"]:
            upcoming = editorial.next_scheduled_change()
            self.stdout.write(
                f"{done} scheduled change{'s' if done != 1 else ''} carried out; "
                + (f"the next is at {timezone.localtime(upcoming):%Y-%m-%d %H:%M %Z}." if upcoming else "none left.")
            )
