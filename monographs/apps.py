from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _keep_search_index(sender, using, **kwargs):
    from django.db import connections

    from .search import ensure_sqlite_index

    ensure_sqlite_index(connections[using])


class MonographsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "monographs"
    verbose_name = "Medical answers"

    def ready(self):
        from . import checks  # noqa: F401  (registers the system checks)
        from .caching import signals

        signals.connect()

        post_migrate.connect(_keep_search_index, sender=self)
