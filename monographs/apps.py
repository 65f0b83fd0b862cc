from django.apps import AppConfig


class MonographsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "monographs"
    verbose_name = "Medical answers"
