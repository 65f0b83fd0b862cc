"""Load the demo content: the Besponsa answer page and the pages it links to.

    python manage.py load_demo [--base-url http://127.0.0.1:8000]

Running it again changes nothing.
"""

from django.core.management.base import BaseCommand
from django.urls import reverse

from monographs.demo import load_demo


class Command(BaseCommand):
    help = "Load the Besponsa answer page and the demo content around it. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument(
            "--base-url", default="", help="Print the pages' URLs on this site, e.g. http://127.0.0.1:8000"
        )

    def handle(self, *args, base_url, verbosity, **options):
        besponsa = load_demo()
        if verbosity >= 1:
            base = base_url.rstrip("/")
            self.stdout.write(self.style.SUCCESS("Demo content loaded."))
            self.stdout.write(f"  Besponsa answer: {base}{besponsa.get_absolute_url()}")
            self.stdout.write(f"  Home page:       {base}{reverse('monographs:home')}")
            self.stdout.write(f"  Admin:           {base}{reverse('admin:index')}")
