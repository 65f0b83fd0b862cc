"""List filters for the answer list that stay small with 100,000 answers and 25,000 drugs."""

from django.contrib import admin
from django.db.models import Q

from ..editorial import SIGN_OFF_PERMISSION


class ReviewDueFilter(admin.SimpleListFilter):
    title = "medical review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        choices = [
            ("overdue", "Overdue"),
            ("due_soon", "Due soon"),
            ("label_changed", "Label changed"),
            ("waiting", "Waiting for sign-off"),
        ]
        if request.user.has_perm(SIGN_OFF_PERMISSION):
            choices.append(("mine", "Waiting for me"))
        return choices

    def queryset(self, request, queryset):
        if self.value() == "overdue":
            return queryset.overdue()
        if self.value() == "due_soon":
            return queryset.due_soon()
        if self.value() == "label_changed":
            return queryset.label_changed()
        if self.value() == "waiting":
            return queryset.awaiting_sign_off()
        if self.value() == "mine":
            return queryset.waiting_for(request.user)
        return queryset


class NameFilter(admin.SimpleListFilter):
    """A text box that filters by a related name, instead of listing every name."""

    template = "admin/monographs/name_filter.html"
    fields = ()

    def lookups(self, request, model_admin):
        return []

    def has_output(self):
        return True

    def choices(self, changelist):
        # The template needs the other parameters, to keep them when this one is set.
        yield {
            "value": self.value() or "",
            "parameter_name": self.parameter_name,
            "others": [
                (key, value)
                for key, values in changelist.get_filters_params().items()
                for value in values
                if key != self.parameter_name
            ],
            "clear_url": changelist.get_query_string(remove=[self.parameter_name]),
        }

    def queryset(self, request, queryset):
        value = (self.value() or "").strip()
        if not value:
            return queryset
        matches = Q()
        for field in self.fields:
            matches |= Q(**{f"{field}__icontains": value})
        return queryset.filter(matches).distinct()


class DrugFilter(NameFilter):
    title = "drug"
    parameter_name = "drug"
    fields = ("drugs__brand_name", "drugs__generic_name")


class ConditionFilter(NameFilter):
    title = "condition"
    parameter_name = "condition"
    fields = ("conditions__name", "conditions__abbreviation")
