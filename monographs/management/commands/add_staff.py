"""Add a staff account in an editorial role, with the reviewer profile a byline needs.

    python manage.py add_staff --role reviewer --name "Judith Stewart" --credentials BPharm judith@example.org
    python manage.py add_staff --role editor --name "Sam Editor" sam@example.org

The new account's password is printed once (or read from standard input with --password-stdin).
"""

import sys

from django.core.management.base import BaseCommand, CommandError

from monographs.staff import ROLES, StaffError, add_staff


class Command(BaseCommand):
    help = "Create or update a staff account as an editor or a medical reviewer (with its reviewer profile)."

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address (review e-mails go there).")
        parser.add_argument("--role", required=True, choices=sorted(ROLES), help="What they may do.")
        parser.add_argument("--name", default="", help="Their name as a byline prints it (required for a reviewer).")
        parser.add_argument("--credentials", default="", help="Printed after a reviewer's name, e.g. BPharm.")
        parser.add_argument("--username", default="", help="Sign-in name (default: the part of EMAIL before @).")
        parser.add_argument(
            "--password-stdin", action="store_true", help="Read the password from standard input instead."
        )

    def handle(self, *args, email, role, name, credentials, username, password_stdin, **options):
        password = None
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
            if not password:
                raise CommandError("--password-stdin: standard input held no password.")
        try:
            user, reviewer, chosen = add_staff(
                email=email, role=role, name=name, credentials=credentials, username=username, password=password
            )
        except StaffError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(self.style.SUCCESS(f"{user.username} ({email}) is a staff member: {ROLES[role]}."))
        if reviewer is not None:
            self.stdout.write(f"  Signs off as: {reviewer}")
        if chosen and not password_stdin:
            self.stdout.write(f"  Password: {chosen}  (shown once: change it after signing in)")
        elif not chosen:
            self.stdout.write("  Password unchanged.")
