"""Issue an API key for a partner (made if new): the key is printed once, as the last line, and never again.

python manage.py create_api_key "Example Pharmacy" [--name "production app"] [--contact "..."]
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from monographs.partners import ApiKey, Partner
from monographs.text import single_line_problem


class Command(BaseCommand):
    help = (
        "Issue a content API key for PARTNER, creating the partner if it is new. The key is printed once, as "
        "the last line: give it to the partner; only its hash is kept. Revoke keys in the admin (API keys)."
    )

    def add_arguments(self, parser):
        parser.add_argument("partner", metavar="PARTNER", help="The partner's name, as the admin lists it.")
        parser.add_argument("--name", default="", help="What the key is for, e.g. “production app”.")
        parser.add_argument("--contact", default="", help="Who to write to at a new partner: a name and e-mail.")

    def handle(self, *args, partner, name, contact, **options):
        partner = partner.strip()
        for label, value in (("PARTNER", partner), ("--name", name), ("--contact", contact)):
            if problem := single_line_problem(value):
                raise CommandError(f"{label}: {problem}")
        if not partner:
            raise CommandError("PARTNER: give the partner's name.")
        if len(partner) > Partner._meta.get_field("name").max_length:
            raise CommandError(f"PARTNER: at most {Partner._meta.get_field('name').max_length} characters.")
        with transaction.atomic():
            found, created = Partner.objects.get_or_create(name=partner, defaults={"contact": contact})
            if not found.active:
                raise CommandError(f"{found} is not active: tick Active in the admin first.")
            key, secret = ApiKey.issue(found, name=name[:100])
        self.stdout.write(f"{'Created partner' if created else 'Partner'} {found}; key {key.lookup} issued.")
        self.stdout.write("Give this key to the partner; it is not shown again:")
        self.stdout.write(secret)
