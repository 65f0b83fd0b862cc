"""Readers' reports of a problem with an answer: what a report must hold, and how often one address may send.

A report is stored against the answer and the revision readers saw, waits in
the admin's queue (new, in progress, resolved), and the medical reviewers hear
of it by e-mail. Bots meet a honeypot field and a limit per address.
"""

import unicodedata

from django import forms
from django.conf import settings
from django.core.cache import caches

from drugref.login_throttle import client_address

from . import notifications
from .models import ReaderReport
from .text import normalise

WINDOW_SECONDS = 60 * 60


class ReportForm(forms.Form):
    message = forms.CharField(
        label="What seems wrong?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Say which sentence and why, with a source if you have one. Do not include your own medical details.",
    )
    email = forms.EmailField(
        label="Your e-mail address (optional)",
        required=False,
        help_text="Only if you would like a reply. It is not published.",
    )
    # Hidden from people (site.css); a bot that fills every field fills this one too.
    website = forms.CharField(label="Leave this empty", required=False)

    def clean_message(self):
        message = normalise(self.cleaned_data["message"])
        # Spaces and invisible characters (zero-width, format marks) say nothing: not a report.
        if not any(not ch.isspace() and unicodedata.category(ch) != "Cf" for ch in message):
            raise forms.ValidationError("Say what seems wrong: the message is empty.")
        return message

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


def _key(request) -> str:
    return f"reports:address:{client_address(request)}"


def too_many(request) -> bool:
    """Return whether this address has sent DRUGREF_REPORTS_PER_HOUR reports in the last hour."""
    try:
        return (caches["default"].get(_key(request)) or 0) >= settings.DRUGREF_REPORTS_PER_HOUR
    except Exception:  # a cache that is down lets reports through: the queue is reviewed by people
        return False


def record(request, article, form) -> ReaderReport | None:
    """Store a report on the live `article` (nothing for a bot), count it for the address, tell the reviewers."""
    _count(request)
    if form.is_bot():
        return None
    signed = article.sign_offs.select_related("revision").first()
    report = ReaderReport.objects.create(
        article=article,
        revision_number=signed.revision.number if signed else None,
        message=form.cleaned_data["message"],
        email=form.cleaned_data["email"],
    )
    notifications.reader_report(report)
    return report


def _count(request):
    cache = caches["default"]
    try:
        if not cache.add(_key(request), 1, WINDOW_SECONDS):
            cache.incr(_key(request))
    except Exception:
        pass  # as above: counted when the cache is back
