"""Write a synthetic corpus of answers, drugs and conditions as JSON Lines, for benchmarks.

python manage.py make_corpus --articles 100000 --drugs 25000 --conditions 5000 --seed 1 --output corpus.jsonl
"""

from django.core.management.base import BaseCommand, CommandError

from monographs import corpus


class Command(BaseCommand):
    help = "Write a deterministic synthetic corpus (JSON Lines) that import_articles reads."

    def add_arguments(self, parser):
        parser.add_argument("--articles", type=int, default=1000)
        parser.add_argument("--drugs", type=int, default=250)
        parser.add_argument("--conditions", type=int, default=50)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--output", required=True, help="The JSON Lines file to write.")

    def handle(self, *args, articles, drugs, conditions, seed, output, verbosity, **options):
        try:
            with open(output, "w", encoding="utf-8", newline="\n") as out:
                count = corpus.write(out, articles=articles, drugs=drugs, conditions=conditions, seed=seed)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        if verbosity >= 1:
            self.stdout.write(f"Wrote {count} records to {output}.")
