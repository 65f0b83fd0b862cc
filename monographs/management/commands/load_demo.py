"""Load the demo content: the Besponsa answer page and the pages it links to.

    python manage.py load_demo [--base-url http://127.0.0.1:8000] [--demo-accounts]

Running it again changes nothing. --demo-accounts (local development only: refused
unless DJANGO_DEBUG is on) adds an editor and two medical reviewers, with new
passwords printed each time, to try the review loop.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.urls import reverse

from monographs.demo import DEMO_ACCOUNTS, load_demo
from monographs.staff import add_staff


class Command(BaseCommand):
    help = "Load the Besponsa answer page and the demo content around it. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default="", help="Print the pages' URLs on this site, e.g. http://127.0.0.1:8000"
        )
        parser.add_argument(
            "--demo-accounts",
            action="store_true",
            help="Add an editor and two medical reviewers with printed passwords (only with DJANGO_DEBUG on).",
        )

    def handle(self, *args, base_url, demo_accounts, verbosity, **options):
        if demo_accounts and not settings.DEBUG:
            raise CommandError("--demo-accounts is for local development only: it needs DJANGO_DEBUG=true.")
        if base_url and not base_url.startswith(("http://", "https://")):
            raise CommandError(f"--base-url: expected an address like http://127.0.0.1:8000, found {base_url!r}.")
        besponsa = load_demo()
        accounts = [add_staff(**account, replace_password=True) for account in DEMO_ACCOUNTS] if demo_accounts else []
        if verbosity >= 1:
            base = base_url.rstrip("/")
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))
            self.stdout.write(f"  Besponsa answer: {base}{besponsa.get_absolute_url()}")
            self.stdout.write(f"  Home page:       {base}{reverse('monographs:home')}")
            self.stdout.write(f"  Admin:           {base}{reverse('admin:index')}")
            for user, reviewer, password in accounts:
                role = f"medical reviewer, signs off as {reviewer}" if reviewer else "editor"
                self.stdout.write(f"  Demo account:    {user.username} / {password}  ({role})")
