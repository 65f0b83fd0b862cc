"""Forms for editing answers: no edit overwrites another, no link points nowhere."""

from django import forms
from django.core.exceptions import ValidationError

from .. import editorial
from ..models import Article


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
        if self.instance.pk:
            self.fields["base_version"].initial = self.canonical.version

    @property
    def canonical(self):
        return self.instance.draft_of or self.instance

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        others = Article.objects.canonical().filter(slug=slug)
        if self.instance.pk:
            others = others.exclude(pk=self.instance.canonical_pk)
        if others.exists():
            raise ValidationError(f"Another answer already uses the address “{slug}”.")
        return slug

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            self._check_version()
        return cleaned

    def _check_version(self):
        """Refuse the save if anyone saved since this form was opened; the save takes the version (ArticleAdmin)."""
        seen = self.cleaned_data.get("base_version")
        self.seen_version = seen if seen is not None else -1
        try:
            editorial.check_version(self.canonical, self.seen_version)
        except editorial.EditConflict as conflict:
            # The re-shown form carries the current version, so saving again is a deliberate choice.
            self.data = self.data.copy()
            self.data[self.add_prefix("base_version")] = str(Article.objects.get(pk=self.canonical.pk).version)
            raise ValidationError(str(conflict), code="conflict") from None


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
