"""The base of every admin page here: what Django's admin leaves to chance in what staff may send."""

import re

from django.contrib import admin, messages
from django.contrib.admin import helpers

_ID = re.compile(r"[0-9]{1,18}")


class ModelAdmin(admin.ModelAdmin):
    def response_action(self, request, queryset):
        """Run a list action on a selection of ids only: anything else is refused with a message, not a 500."""
        selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
        if not all(_ID.fullmatch(value) for value in selected):
            self.message_user(request, "Choose the items to act on from the list.", messages.WARNING)
            return None
        return super().response_action(request, queryset)
