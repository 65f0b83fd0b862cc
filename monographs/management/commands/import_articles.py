"""Import answers from files, all or nothing; or undo an earlier import.

python manage.py import_articles PATH [PATH ...] [--format text|jsonl|markdown] [--dry-run]
python manage.py import_articles --undo BATCH_ID
"""

import sys
import time

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from monographs.caching import outbox
from monographs.editorial import UndoRefused, undo_batch
from monographs.interchange.run import FORMATS, InvalidInput, import_paths
from monographs.models import ImportBatch


class Command(BaseCommand):
    help = (
        "Import answers from files or directories: saved answer pages (*.txt), JSON Lines (*.jsonl) "
        "or Markdown with front matter (*.md). Every file is checked first; any problem means nothing "
        "is written. Re-importing unchanged records writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="*", metavar="PATH", help="A file, or a directory to search.")
        parser.add_argument("--format", choices=sorted(FORMATS), help="Read every file in this format.")
        parser.add_argument("--dry-run", action="store_true", help="Check and count, but write nothing.")
        parser.add_argument(
            "--undo", metavar="BATCH_ID", help="Undo the import batch with this number, or the latest with 'last'."
        )
        parser.add_argument(
            "--on-draft",
            choices=["merge", "refuse"],
            default="merge",
            help="A live answer the import changes has a pending draft: take the change into the draft, field by "
            "field, asking its editors where both changed the same field (merge, the default); or import nothing "
            "and name the drafts (refuse).",
        )

    def handle(self, *args, paths, format, dry_run, undo, on_draft, verbosity, **options):
        if undo is not None:
            return self._undo(undo, verbosity)
        if not paths:
            raise CommandError("Name at least one file or directory to import, or --undo BATCH_ID.")
        started = time.monotonic()
        try:
            result = import_paths(
                paths, fmt=format, dry_run=dry_run, on_draft=on_draft, progress=self._progress(verbosity)
            )
        except InvalidInput as exc:
            count = len(exc.problems)
            raise CommandError(
                f"{exc}\n{count} problem{'s' if count != 1 else ''} found; nothing was imported."
            ) from None
        if verbosity >= 2 or (dry_run and verbosity >= 1):
            for slug in result.created if verbosity >= 2 else []:
                self.stdout.write(f"created {slug}")
            for slug, fields in result.updated.items():
                self.stdout.write(f"{'would update' if dry_run else 'updated'} {slug}: {', '.join(fields)}")
        self._report_purges()
        if verbosity >= 1:
            counts = f"{len(result.created)} created, {len(result.updated)} updated, {result.unchanged} unchanged"
            subjects_created, subjects_updated = result.subject_counts()
            if subjects_created or subjects_updated:
                counts += f"; subjects: {subjects_created} created, {subjects_updated} updated"
            elapsed = f"in {time.monotonic() - started:.1f} s"
            if dry_run:
                self.stdout.write(self.style.SUCCESS(f"Dry run, nothing written: would have {counts}; 0 invalid."))
            elif result.batch:
                self.stdout.write(self.style.SUCCESS(f"Import batch {result.batch.pk}: {counts}, {elapsed}."))
            else:
                self.stdout.write(self.style.SUCCESS(f"Nothing changed, nothing written: {counts}, {elapsed}."))

    def _progress(self, verbosity):
        """Return a wrapper showing a progress bar on a terminal, and nothing otherwise."""
        quiet = verbosity == 0 or not sys.stderr.isatty()

        def progress(iterable, description, total=None):
            return tqdm(iterable, desc=description, total=total, unit=" records", disable=quiet, file=sys.stderr)

        return progress

    def _undo(self, batch_id, verbosity):
        batch_id = _batch_number(batch_id)
        try:
            undone = undo_batch(batch_id)
        except UndoRefused as refusal:
            raise CommandError(str(refusal)) from None
        self._report_purges()
        if verbosity >= 1:
            counts = f"{undone.restored} restored, {undone.removed} removed"
            if undone.subjects_restored or undone.subjects_removed:
                counts += f"; subjects: {undone.subjects_restored} restored, {undone.subjects_removed} removed"
            self.stdout.write(self.style.SUCCESS(f"Undid import batch {batch_id}: {counts}."))

    def _report_purges(self):
        """Say so if a cache has not yet acknowledged the purge of what changed (the app servers keep trying)."""
        left = outbox.backlog()
        if left["pending"]:
            self.stderr.write(
                f"Warning: {left['pending']} change(s) not yet purged from {', '.join(left['targets'])}: "
                "readers may see old pages until they are. The app servers retry every few seconds; "
                "`manage.py deliver_purges --wait 60` waits for it."
            )


def _batch_number(value: str) -> int:
    """Return the batch `--undo` names: a number, or 'last' for the latest import not yet undone."""
    if value == "last":
        batch = ImportBatch.objects.filter(undone_at=None).order_by("-pk").first()
        if batch is None:
            raise CommandError("--undo last: there is no import batch to undo.")
        return batch.pk
    try:
        return int(value)
    except ValueError:
        raise CommandError(f"--undo: expected a batch number or 'last', found {value!r}.") from None
