"""List live answers due or overdue for medical review, for people and for cron.

python manage.py review_due [--format text|csv] [--fail-if-overdue]
"""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monographs.models import Article

COLUMNS = ["status", "days_over", "due_on", "last_reviewed", "reviewer", "question", "url"]


def due_answers(today):
    """Return (status, days over, answer) for every due or overdue live answer, most overdue first."""
    answers = (Article.objects.overdue(today) | Article.objects.due_soon(today)).select_related("reviewer")
    rows = [(a.review_status(today), (today - a.review_due_on).days, a) for a in answers]
    return sorted(rows, key=lambda row: (-row[1], row[2].question))


class Command(BaseCommand):
    help = (
        "List live answers that are overdue or due soon for medical review: reviewer, last review, "
        "days over (negative: days left)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["text", "csv"], default="text", help="Output format.")
        parser.add_argument(
            "--fail-if-overdue", action="store_true", help="Exit with status 1 when any answer is overdue."
        )

    def handle(self, *args, format, fail_if_overdue, verbosity, **options):
        today = timezone.localdate()
        rows = due_answers(today)
        if format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(COLUMNS)
            for status, days, article in rows:
                writer.writerow(
                    [
                        status,
                        days,
                        article.review_due_on,
                        article.reviewed_on,
                        article.reviewer,
                        article.question,
                        article.get_absolute_url(),
                    ]
                )
        elif verbosity >= 1:
            for status, days, article in rows:
                over = f"{days} days over" if days > 0 else f"due in {-days} days" if days < 0 else "due today"
                self.stdout.write(
                    f"{status.upper():9} {over:>16}  last reviewed {article.reviewed_on:%Y-%m-%d} by "
                    f"{article.reviewer}  {article.question}"
                )
            overdue = sum(1 for status, _, _ in rows if status == "overdue")
            self.stdout.write(f"{overdue} overdue, {len(rows) - overdue} due soon.")
        if fail_if_overdue and any(status == "overdue" for status, _, _ in rows):
            raise CommandError("Some answers are overdue for medical review.", returncode=1)
