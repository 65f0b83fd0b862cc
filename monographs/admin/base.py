"""The base of every admin page here: what Django's admin leaves to chance in what staff may send."""

import logging
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, models

from ..text import normalised_or_same

logger = logging.getLogger(__name__)

_ID = re.compile(r"[0-9]{1,18}")


class NormalisedCharField(forms.CharField):
    """A text field that stores what browsers send as drugref stores all text (monographs.text)."""

    def to_python(self, value):
        return normalised_or_same(super().to_python(value))


class ModelAdmin(admin.ModelAdmin):
    def formfield_for_dbfield(self, db_field, request, **kwargs):
        # Plain text only: slugs, URLs and choices keep their own form fields.
        if type(db_field) in (models.CharField, models.TextField) and not db_field.choices:
            kwargs.setdefault("form_class", NormalisedCharField)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def response_action(self, request, queryset):
        """Run a list action on a selection of ids only: anything else is refused with a message, not a 500."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(_ID.fullmatch(value) for value in selected):
            self.message_user(request, "Choose the items to act on from the list.", messages.WARNING)
            return None
        return super().response_action(request, queryset)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        """Save in one transaction; if the database refuses the save part-way, show the form again.

        Forms check what they can, but some refusals only the database can make at
        the moment of writing (another editor took the same address a moment
        earlier, say). Then the transaction is rolled back, so nothing is half
        written, and the editor gets their form back as they sent it, with the
        reason, instead of an error page.
        """
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (IntegrityError, DataError) as refusal:
            if request.method != "POST":
                raise
            logger.warning("admin save refused by the database, form shown again: %s", refusal)
            request.database_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "database_refusal", None) is None:
            return form

        class Refused(form):
            def clean(self):
                super().clean()
                raise ValidationError(
                    "Nothing was saved: the database refused the change, probably because someone saved a "
                    "conflicting change at the same moment (the same address, say). Your input is below: "
                    "check it and save again.",
                    code="database_refusal",
                )

        return Refused
