"""Forms for editing answers: no edit overwrites another, no link points nowhere."""

from django import forms
from django.core.exceptions import ValidationError

from .. import editorial
from ..content import SUBJECT_FIELDS, three_way
from ..models import Article
from . import diff

# The fields of the answer form an edit conflict is resolved for, one by one; links are saved row by row.
MERGED_FIELDS = ("question", "slug", "answer", "summary", "review_interval_days", *SUBJECT_FIELDS)


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
        fields = [
            "question",
            "slug",
            "answer",
            "summary",
            "drugs",
            "conditions",
            "support_groups",
            "review_interval_days",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen_version = None
        self.conflict = None
        if self.instance.pk:
            self.fields["base_version"].initial = self.canonical.version

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

    def clean(self):
        cleaned = super().clean()
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
        if name in SUBJECT_FIELDS:
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
            if name in SUBJECT_FIELDS:
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


class SignOffForm(forms.Form):
    """What a medical reviewer posts to sign off: the revision they read, and a note for readers' history."""

    revision = forms.IntegerField(min_value=1, max_value=2**31 - 1)
    change_note = forms.CharField(max_length=300, required=False)
    comment = forms.CharField(max_length=5000, required=False)  # with "request changes": what should change
