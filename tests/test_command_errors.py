"""Every management command answers bad input with one line naming what is wrong, and changes nothing.

`manage.py` prints a CommandError as one line and exits non-zero; any other
exception would print a traceback. So each case must raise CommandError (argument
errors included: call_command raises them as CommandError too), with a one-line
message naming the argument, and leave the database as it was. The CLI's own
output is checked once at the end, in a new process.
"""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command, get_commands

from monographs.models import Article, Drug, DrugLabel, ImportBatch, PendingPurge
from monographs.partners import ApiKey, Partner

from .test_production import clean_environment

PROJECT = Path(__file__).resolve().parent.parent
NOT_A_DIRECTORY = "/nonexistent-drugref-directory/answers.jsonl"

CASES = [
    ("add_staff", ["--role", "boss", "x@example.org"], "--role"),
    ("add_staff", ["--role", "editor"], "email"),
    ("carry_out_schedules", ["now"], "unrecognized arguments: now"),
    ("create_api_key", [], "PARTNER"),
    ("create_api_key", ["   "], "PARTNER"),
    ("create_api_key", ["Example\nPharmacy"], "PARTNER"),
    ("create_api_key", ["x" * 300], "PARTNER"),
    ("create_api_key", ["Example Pharmacy", "--contact", "a\u202eb"], "--contact"),
    ("deliver_purges", ["--wait", "-1"], "--wait"),
    ("deliver_purges", ["--wait", "soon"], "--wait"),
    ("export_articles", ["--updated-since", "2024-13-45"], "--updated-since"),
    ("export_articles", ["--updated-since", "12/03/2024"], "--updated-since"),
    ("export_articles", ["--drug", "Besponza"], "--drug"),
    ("export_articles", ["--state", "live"], "--state"),
    ("export_articles", ["--format", "markdown"], "--output"),
    ("export_articles", ["--output", NOT_A_DIRECTORY], "--output"),
    ("export_articles", ["--format", "xml"], "--format"),
    ("import_articles", [], "Name at least one file"),
    ("import_articles", ["/nonexistent-drugref-file.jsonl"], "/nonexistent-drugref-file.jsonl"),
    ("import_articles", ["--undo", "yesterday"], "--undo"),
    ("import_articles", ["--undo", "999999"], "999999"),
    ("import_articles", ["--on-draft", "overwrite", "x.jsonl"], "--on-draft"),
    ("import_labels", [], "FILE"),
    ("import_labels", ["/nonexistent-drugref-label.xml"], "/nonexistent-drugref-label.xml"),
    ("import_labels", ["http://example.org/label.xml"], "only https:// addresses are fetched"),
    ("load_demo", ["--demo-accounts"], "DJANGO_DEBUG"),
    ("load_demo", ["--base-url", "127.0.0.1:8000"], "--base-url"),
    ("review_due", ["--format", "xml"], "--format"),
]


def _state():
    return (
        list(Article.objects.order_by("pk").values_list("pk", "state", "question", "summary")),
        list(Drug.objects.order_by("pk").values_list("pk", "summary")),
        ImportBatch.objects.count(),
        PendingPurge.objects.count(),
        DrugLabel.objects.count(),
        Partner.objects.count(),
        ApiKey.objects.count(),
    )


def test_every_command_of_drugrefs_own_has_cases_here():
    ours = sorted(name for name, app in get_commands().items() if app == "monographs")
    assert sorted({command for command, _, _ in CASES}) == ours


@pytest.mark.django_db
@pytest.mark.parametrize(("command", "args", "named"), CASES, ids=[f"{c} {' '.join(a)}" for c, a, _ in CASES])
def test_bad_input_is_one_line_naming_the_argument_and_changes_nothing(demo, command, args, named):
    before = _state()
    with pytest.raises(CommandError) as refused:
        call_command(command, *args, stdout=StringIO(), stderr=StringIO())
    message = str(refused.value)
    first, *rest = message.strip().splitlines()
    assert named in first, message
    # One line; an import adds the count of the problems it listed, one a line.
    assert rest == [] or (command == "import_articles" and rest == ["1 problem found; nothing was imported."])
    assert _state() == before


def _manage(database, *args):
    """Run manage.py as a new shell would, on the SQLite database file `database`."""
    env = clean_environment(DJANGO_DEBUG="true", DJANGO_SECRET_KEY="x", DATABASE_URL=f"sqlite:///{database}")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env, capture_output=True, text=True)


def test_on_the_command_line_it_is_one_line_and_a_non_zero_exit(tmp_path):
    done = _manage(tmp_path / "db", "export_articles", "--updated-since", "2024-13-45")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "CommandError: --updated-since: expected a date like 2024-03-12, found '2024-13-45'"
    ]


def test_a_command_before_the_database_is_set_up_says_to_migrate(tmp_path):
    done = _manage(tmp_path / "new.db", "import_articles", "--undo", "last")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "The database is not set up yet: run `.venv/bin/python manage.py migrate` (make run does) first."
    ]
