"""Export answers as JSON Lines (to standard output or a file) or as a directory of Markdown files.

python manage.py export_articles [--output FILE] [--state published] [--drug Besponsa] [--updated-since 2024-01-01]
python manage.py export_articles --format markdown --output DIR
"""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from monographs.interchange.formats import jsonl, markdown
from monographs.models import Article, Drug


class Command(BaseCommand):
    help = "Export answers in a format import_articles reads back: JSON Lines, or Markdown with front matter."

    def add_arguments(self, parser):
        parser.add_argument("--format", choices=["jsonl", "markdown"], default="jsonl")
        parser.add_argument("--output", help="A file (JSON Lines; default: standard output) or a directory (Markdown).")
        parser.add_argument("--state", choices=Article.State.values, help="Only answers in this state.")
        parser.add_argument("--drug", help="Only answers about this drug (brand or generic name, or slug).")
        parser.add_argument("--updated-since", metavar="YYYY-MM-DD", help="Only answers changed since.")

    def handle(self, *args, format, output, state, drug, updated_since, verbosity, **options):
        answers = Article.objects.all()
        if state:
            answers = answers.filter(state=state)
        if drug:
            drugs = Drug.objects.filter(Q(brand_name__iexact=drug) | Q(generic_name__iexact=drug) | Q(slug=drug))
            if not drugs.exists():
                raise CommandError(f"--drug: no drug is called {drug!r} (give a brand or generic name, or a slug).")
            answers = answers.filter(drugs__in=drugs).distinct()
        if updated_since:
            answers = answers.filter(updated_at__date__gte=_date(updated_since))
        if format == "markdown" and not output:
            raise CommandError("--format markdown writes one file per answer: give --output DIR.")
        if format == "markdown" and Path(output).is_file():
            raise CommandError(f"--output {output} is a file: --format markdown writes a directory of files.")
        try:
            count = self._write(format, output, answers)
        except OSError as error:
            raise CommandError(f"--output {output}: {error.strerror or error}.") from None
        if verbosity >= 1 and (output or format == "markdown"):
            self.stderr.write(f"Exported {count} answer{'s' if count != 1 else ''} to {output}.")

    def _write(self, format, output, answers) -> int:
        if format == "markdown":
            return markdown.write(answers, Path(output))
        if output:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                return jsonl.write(answers, out)
        return jsonl.write(answers, self.stdout)


def _date(value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--updated-since: expected a date like 2024-03-12, found {value!r}") from None
