"""List live answers due or overdue for medical review, or to check against a changed drug label.

python manage.py review_due [--format text|csv] [--fail-if-overdue]
"""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from monographs.models import Article, LabelCheck

COLUMNS = ["status", "days_over", "due_on", "last_reviewed", "reviewer", "question", "url"]


LABEL_CHANGED = "label changed"


def due_answers(today):
    """Return (reason, days over, answer) for every live answer to review, most overdue first.

    The reason is "overdue" or "due soon" (by date; days over its due date), or "label changed" (a new version
    of its drug's label changed a watched section; days since that version took effect). An answer may be
    listed for both.
    """
    answers = (Article.objects.overdue(today) | Article.objects.due_soon(today)).select_related("reviewer")
    rows = [(a.review_status(today), (today - a.review_due_on).days, a) for a in answers]
    checks = LabelCheck.objects.filter(cleared_at__isnull=True, article__in=Article.objects.live())
    checks = checks.select_related("article__reviewer", "label").order_by("article", "-label__effective_on")
    newest = {check.article_id: check for check in reversed(checks)}  # per answer, its newest label version
    rows += [(LABEL_CHANGED, (today - c.label.effective_on).days, c.article) for c in newest.values()]
    return sorted(rows, key=lambda row: (-row[1], row[2].question, row[0]))


class Command(BaseCommand):
    help = (
        "List live answers that are overdue or due soon for medical review, or whose drug's label changed "
        "since their sign-off (manage.py import_labels): reason, reviewer, last review, days over (negative: "
        "days left; for a label change, days since the new label took effect)."
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
                if status == LABEL_CHANGED:
                    over = f"label {days} days ago"
                else:
                    over = f"{days} days over" if days > 0 else f"due in {-days} days" if days < 0 else "due today"
                self.stdout.write(
                    f"{status.upper():13} {over:>18}  last reviewed {article.reviewed_on:%Y-%m-%d} by "
                    f"{article.reviewer}  {article.question}"
                )
            counts = {
                reason: sum(1 for status, _, _ in rows if status == reason)
                for reason in ("overdue", "due soon", LABEL_CHANGED)
            }
            self.stdout.write(", ".join(f"{n} {reason}" for reason, n in counts.items()) + ".")
        if fail_if_overdue and any(status == "overdue" for status, _, _ in rows):
            raise CommandError("Some answers are overdue for medical review.", returncode=1)
