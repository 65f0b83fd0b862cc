"""Forms for editing answers: no edit overwrites another, no link points nowhere."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .. import editorial, sources
from ..content import CONTENT_FIELDS, SUBJECT_FIELDS, three_way
from ..models import Article
from . import diff

# The fields of the answer form an edit conflict is resolved for, one by one; links are saved row by row.
MERGED_FIELDS = (*CONTENT_FIELDS, *SUBJECT_FIELDS)


class SourceForm(forms.Form):
    """One source of an answer; a row left empty is no source. The rules are monographs.sources.clean's."""

    title = forms.CharField(max_length=sources.MAX_LENGTHS["title"], required=False)
    publisher = forms.CharField(
        label="publisher or author", max_length=sources.MAX_LENGTHS["publisher"], required=False
    )
    url = forms.CharField(label="web address", max_length=sources.MAX_LENGTHS["url"], required=False)
    published_on = forms.DateField(label="published", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    accessed_on = forms.DateField(label="accessed", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    section = forms.CharField(
        max_length=sources.MAX_LENGTHS["section"],
        required=False,
        help_text="e.g. “Boxed warning” or “§5.1”",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        row = self.prefix.rsplit("-", 1)[-1]
        for name, field in self.fields.items():
            # The table's column headings are not labels: each box says what it is.
            label = "order" if name == "ORDER" else ("delete" if name == "DELETE" else field.label)
            field.widget.attrs["aria-label"] = f"Source {int(row) + 1 if row.isdigit() else ''}: {label}"

    def clean(self):
        data = super().clean()
        self.source = None
        if not any(data.get(key) for key in sources.KEYS):
            return data
        self.source, problems = sources.clean({key: data.get(key) for key in sources.KEYS})
        for key, message in problems.items():
            self.add_error(key if key in self.fields else None, f"The {sources.LABELS.get(key, key)} {message}.")
        return data


SourceFormSet = forms.formset_factory(SourceForm, extra=2, can_order=True, can_delete=True)


class ArticleForm(forms.ModelForm):
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    revision_note = forms.CharField(
        label="Note on this change",
        max_length=200,
        required=False,
        help_text="Optional, for other editors and reviewers: what you changed and why. Shown in the history.",
    )

    class Meta:
        model = Article
        # The answer's content (sources have rows of their own: SourceFormSet), and when it should go live.
        fields = [*(name for name in MERGED_FIELDS if Article._meta.get_field(name).editable), "publish_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_version = None
        self.conflict = None
        if self.instance.pk:
            self.fields["base_version"].initial = self.canonical.version
        # A post without the sources rows (a script, an old form) leaves the sources as they are.
        sent = self.is_bound and "sources-TOTAL_FORMS" in self.data
        self.sources = SourceFormSet(
            self.data if sent else None, prefix="sources", initial=list(self.instance.sources or [])
        )

    @property
    def canonical(self):
        return self.instance.draft_of or self.instance

    release_old_address = forms.BooleanField(
        label="Release the old address",
        required=False,
        widget=forms.HiddenInput,
        help_text="Links and bookmarks to it will lead to this answer instead of the one it redirects to now.",
    )

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        others = Article.objects.canonical().filter(slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.canonical_pk)
        if others.exists():
            raise ValidationError(f"Another answer already uses the address “{slug}”.")
        redirect = editorial.reserved_by(slug, self.instance.canonical_pk if self.instance.pk else None)
        if redirect and self.data.get(self.add_prefix("release_old_address")) not in ("on", "True", "true", "1"):
            # Offer the explicit release only now, when it is needed.
            self.fields["release_old_address"].widget = forms.CheckboxInput()
            raise ValidationError(
                f"“{slug}” is an old address of “{redirect.article}”: links and bookmarks to it lead there. "
                "Choose another address, or tick “Release the old address” below and save again."
            )
        return slug

    def clean_publish_at(self):
        at = self.cleaned_data["publish_at"]
        if at is not None and at <= timezone.now() and "publish_at" in self.changed_data:
            raise ValidationError("Choose a time still to come, or leave it empty: it goes live when signed off.")
        return at

    def clean(self):
        cleaned = super().clean()
        if self.sources.is_bound:
            if not self.sources.is_valid():
                raise ValidationError("Check the sources: one of them is not right.", code="sources")
            # In the order the rows are numbered; rows marked for deletion and empty rows left out.
            self.instance.sources = [form.source for form in self.sources.ordered_forms if form.source]
        cleaned["sources"] = self.instance.sources
        if self.instance.pk and not self.errors:
            self._take_chosen_versions()
            self._check_version()
        return cleaned

    def _check_version(self):
        """Refuse the save if anyone saved since this form was opened; the save takes the version (ArticleAdmin)."""
        seen = self.cleaned_data.get("base_version")
        self.seen_version = seen if seen is not None else -1
        try:
            editorial.check_version(self.canonical, self.seen_version)
        except editorial.EditConflict as conflict:
            self._merge(conflict)
            raise ValidationError(str(conflict), code="conflict") from None

    def _yours(self) -> dict:
        """Return what this form would save, as a snapshot (monographs.content) of its fields."""
        yours = {}
        for name in MERGED_FIELDS:
            value = self.cleaned_data.get(name)
            yours[name] = sorted(obj.pk for obj in value) if name in SUBJECT_FIELDS else value
        return yours

    def _merge(self, conflict):
        """Show the form again with their changes taken in, yours kept, and both versions where both changed.

        The re-shown form carries the current version, so saving it again is a deliberate choice.
        """
        sorted_out = three_way(conflict.base, conflict.theirs, self._yours(), MERGED_FIELDS)
        self.data = self.data.copy()
        self.data[self.add_prefix("base_version")] = str(conflict.their_number)
        for name in sorted_out["theirs"]:
            self._set(name, conflict.theirs.get(name))
        mine, theirs = self._yours(), diff.display_values(conflict.theirs)
        yours_shown = diff.display_values({**conflict.theirs, **mine})
        self.conflict = {
            "who": conflict.who,
            "when": conflict.when,
            "seen": conflict.seen_version,
            "number": conflict.their_number,
            "theirs": [diff.label(name) for name in sorted_out["theirs"]],
            "yours": [diff.label(name) for name in sorted_out["yours"]],
            "both": [
                {"name": name, "label": diff.label(name), "theirs": theirs[name], "yours": yours_shown[name]}
                for name in sorted_out["both"]
            ],
        }

    def _set(self, name, value):
        key = self.add_prefix(name)
        if name == "sources":
            # The rows are re-sent as theirs, in their order.
            for old in [k for k in self.data if k.startswith("sources-")]:
                del self.data[old]
            rows = value or []
            fields = {"sources-TOTAL_FORMS": str(len(rows)), "sources-INITIAL_FORMS": "0"}
            for n, source in enumerate(rows):
                fields |= {f"sources-{n}-{k}": v for k, v in source.items()} | {f"sources-{n}-ORDER": str(n + 1)}
            for k, v in fields.items():
                self.data[k] = v
            self.sources = SourceFormSet(self.data, prefix="sources")
        elif name in SUBJECT_FIELDS:
            self.data.setlist(key, [str(pk) for pk in value or []])
        else:
            self.data[key] = "" if value is None else str(value)

    def _take_chosen_versions(self):
        """Where the editor chose "theirs" for a field both changed, save theirs: the revision the form is based on."""
        chosen = [name for name in MERGED_FIELDS if self.data.get(f"conflict_{name}") == "theirs"]
        if not chosen:
            return
        theirs = self.canonical.revisions.filter(number=self.cleaned_data.get("base_version")).first()
        for name in chosen if theirs else ():
            value = theirs.content.get(name)
            if name == "sources":
                self.instance.sources = value or []
            elif name in SUBJECT_FIELDS:
                value = self.fields[name].queryset.filter(pk__in=value or [])
            self.cleaned_data[name] = value


class LinkFormSet(forms.BaseInlineFormSet):
    """Related questions and read-next: never the answer itself, never twice."""

    def clean(self):
        seen = set()
        own = {self.instance.pk, self.instance.canonical_pk} - {None}
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            if self.can_delete and self._should_delete_form(form):
                continue
            target = form.cleaned_data.get("target")
            if target is None:
                continue
            if target.pk in own:
                form.add_error("target", "An answer cannot link to itself.")
            elif target.pk in seen:
                form.add_error("target", f"“{target}” is already listed.")
            seen.add(target.pk)
        super().clean()


class CompareForm(forms.Form):
    """The two revision numbers of a comparison, as the revisions page sends them."""

    a = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    b = forms.IntegerField(min_value=1, max_value=2**31 - 1)


class WithdrawForm(forms.Form):
    """Why answers are withdrawn, and optionally when (a time still to come; empty: now)."""

    reason = forms.CharField(
        label="Why are they withdrawn?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="For the answers' history, e.g. “Superseded by the 2025 label: dosing changed”. "
        "Readers are not shown it.",
        error_messages={"required": "Give the reason for withdrawing: it goes in the answer's history."},
    )
    take_down_at = forms.DateTimeField(
        label="Take down at (optional)",
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="Empty: now. Otherwise readers see the answer until then, in the site's time zone.",
    )

    def clean_take_down_at(self):
        at = self.cleaned_data["take_down_at"]
        if at is not None and at <= timezone.now():
            raise ValidationError("Choose a time still to come, or leave it empty to withdraw now.")
        return at


class SignOffForm(forms.Form):
    """What a medical reviewer posts to sign off: the revision they read, and a note for readers' history."""

    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    change_note = forms.CharField(max_length=300, required=False)
    comment = forms.CharField(max_length=5000, required=False)  # with "request changes": what should change
