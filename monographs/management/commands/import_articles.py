"""Import answers from saved page text files, all or nothing.

python manage.py import_articles PATH [PATH ...] [--dry-run]
"""

from django.core.management.base import BaseCommand, CommandError

from monographs.importers import InvalidInput, import_paths


class Command(BaseCommand):
    help = (
        "Import answers from files or directories (saved answer pages, *.txt). "
        "Every file is checked first; any problem means nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="PATH", help="A file, or a directory to search.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, but write nothing.")

    def handle(self, *args, paths, dry_run, verbosity, **options):
        try:
            result = import_paths(paths, dry_run=dry_run)
        except InvalidInput as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{exc}\n{count} problem{'s' if count != 1 else ''} found; nothing was imported."
            ) from None
        if verbosity >= 2:
            for slug in result.created:
                self.stdout.write(f"created {slug}")
            for slug, fields in result.updated.items():
                self.stdout.write(f"updated {slug}: {', '.join(fields)}")
        if verbosity >= 1:
            prefix = "Dry run, nothing written: would have " if dry_run else ""
            self.stdout.write(
                self.style.SUCCESS(
                    f"{prefix}{len(result.created)} created, {len(result.updated)} updated, "
                    f"{len(result.unchanged)} unchanged."
                )
            )
