"""Export answers as JSON Lines (to standard output or a file) or as a directory of Markdown files.

python manage.py export_articles [--output FILE] [--state published] [--drug Besponsa] [--updated-since 2024-01-01]
python manage.py export_articles --format markdown --output DIR
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from monographs.interchange.formats import jsonl, markdown
from monographs.models import Article


class Command(BaseCommand):
    help = "Export answers in a format import_articles reads back: JSON Lines, or Markdown with front matter."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "markdown"], default="jsonl")
        parser.add_argument("--output", help="A file (JSON Lines; default: standard output) or a directory (Markdown).")
        parser.add_argument("--state", choices=Article.State.values, help="Only answers in this state.")
        parser.add_argument("--drug", help="Only answers about this drug (brand or generic name, or slug).")
        parser.add_argument("--updated-since", type=_date, metavar="YYYY-MM-DD", help="Only answers changed since.")

    def handle(self, *args, format, output, state, drug, updated_since, verbosity, **options):
        answers = Article.objects.all()
        if state:
            answers = answers.filter(state=state)
        if drug:
            answers = answers.filter(
                Q(drugs__brand_name__iexact=drug) | Q(drugs__generic_name__iexact=drug) | Q(drugs__slug=drug)
            ).distinct()
        if updated_since:
            answers = answers.filter(updated_at__date__gte=updated_since)
        if format == "markdown":
            if not output:
                raise CommandError("--format markdown writes one file per answer: give --output DIR.")
            count = markdown.write(answers, Path(output))
        elif output:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                count = jsonl.write(answers, out)
        else:
            count = jsonl.write(answers, self.stdout)
        if verbosity >= 1 and (output or format == "markdown"):
            self.stderr.write(f"Exported {count} answer{'s' if count != 1 else ''} to {output}.")


def _date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--updated-since: expected a date like 2024-03-12, found {value!r}") from None
