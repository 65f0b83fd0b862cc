#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys
from pathlib import Path


def read_local_env():
    """Read `.env` (written by `make run` for development) so a command works in any new shell.

    Variables already in the environment win. DRUGREF_ENV_FILE names another file, or none ("").
    The app servers (gunicorn) never read it: production takes its settings from the environment.
    """
    path = os.environ.get("DRUGREF_ENV_FILE", str(Path(__file__).resolve().parent / ".env"))
    if path and Path(path).is_file():
        import environ

        environ.Env.read_env(path)


def main():
    """Run administrative tasks."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "drugref.settings")
    read_local_env()
    try:
        from django.core.management import execute_from_command_line
    except ImportError as exc:
        raise ImportError(
            "Couldn't import Django. Are you sure it's installed and "
            "available on your PYTHONPATH environment variable? Did you "
            "forget to activate a virtual environment?"
        ) from exc
    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # a setting that is missing or wrong: say which, without a traceback
        sys.exit(f"drugref is not configured: {error}")
    except DatabaseError:
        # A command run before the database was set up (a table missing): say what to run instead.
        from drugref.health import migrations_pending

        if not migrations_pending():
            raise
        sys.exit("The database is not set up yet: run `.venv/bin/python manage.py migrate` (make run does) first.")


if __name__ == "__main__":
    main()
