"""E-mail about the review loop: reviewers hear what awaits them, editors what became of their work.

Mail goes out only once the step it reports is committed, from a thread of its
own: nobody's request (an editor's sign-off, a reader's report) waits on the
mail server, and one that is down or drops packets (EMAIL_TIMEOUT) never undoes
or blocks a step: the failure is logged.
"""

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

logger = logging.getLogger(__name__)
# One sender per process: mail goes out in order, and a slow mail server holds no more than one thread.
_sender = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mail")


def _in_background(job):
    """Run `job` on the mail thread; return its future (tests wait on it, or run mail inline)."""
    return _sender.submit(job)


def _one_line(text: str) -> str:
    # A subject is one header line, whatever the question holds.
    return " ".join(text.split())


def _admin_url(name, article) -> str:
    return settings.DRUGREF_SITE_URL + reverse(f"admin:monographs_article_{name}", args=[article.pk])


def _send(subject: str, body: str, users):
    addresses = sorted({user.email for user in users if user.email and user.is_active})
    if not addresses:
        return
    messages = [(_one_line(subject), body, None, [address]) for address in addresses]

    def send():
        try:
            send_mass_mail(messages, fail_silently=False)
        except Exception:  # any mail failure: the step it reports has happened and stays done
            logger.exception("could not send %d review e-mail(s): %s", len(messages), _one_line(subject))

    transaction.on_commit(lambda: _in_background(send))


def medical_reviewers():
    """Return the active accounts that may sign off answers (directly, by group or as superusers)."""
    perm = Permission.objects.filter(codename="sign_off_article", content_type__app_label="monographs")
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_superuser=True) | Q(user_permissions__in=perm) | Q(groups__permissions__in=perm))
        .distinct()
    )


def submitted(article, revision_number: int, by):
    """Tell the medical reviewers (but the submitter) that an answer awaits their sign-off."""
    _send(
        f"Waiting for your review: {article.question}",
        f"{_name(by)} submitted revision {revision_number} of “{article.question}” for medical review.\n\n"
        f"Review and sign it off, or request changes:\n{_admin_url('sign_off', article)}\n",
        [user for user in medical_reviewers() if user.pk != by.pk],
    )


def changes_requested(article, event, editors):
    """Tell the answer's editors that a reviewer sent it back, with the reviewer's comment."""
    _send(
        f"Changes requested: {article.question}",
        f"{_name(event.created_by)} sent “{article.question}” back for changes "
        f"(revision {event.revision_number}):\n\n{event.note}\n\n"
        f"Edit the answer and submit it again:\n{_admin_url('change', article)}\n",
        [user for user in editors if user.pk != event.created_by_id],
    )


def signed_off(article, sign_off, editors):
    """Tell the answer's editors that their work was signed off and is live."""
    _send(
        f"Signed off and live: {article.question}",
        f"{sign_off.reviewer} signed off revision {sign_off.revision.number} of “{article.question}” "
        f"on {sign_off.reviewed_on:%B %-d, %Y}. Readers see it now:\n"
        f"{settings.DRUGREF_SITE_URL}{article.get_absolute_url()}\n",
        [user for user in editors if user.pk != sign_off.signed_by_id],
    )


def label_changed(label, changed: list[str], answers):
    """Tell the medical reviewers, once per label version, which live answers to check against it."""
    from .labels import WATCHED

    sections = ", ".join(WATCHED.get(code, code) for code in changed)
    listed = "\n".join(f"- {article.question}\n  {_admin_url('change', article)}" for article in answers[:50])
    more = f"\n…and {len(answers) - 50} more (the answer list's *label changed* filter)." if len(answers) > 50 else ""
    _send(
        f"Label changed: {label.title or label.set_id}",
        f"Version {label.version} of the label “{label.title or label.set_id}”, effective "
        f"{label.effective_on:%B %-d, %Y}, changed: {sections}.\n\n"
        f"{len(answers)} live answer(s) about it are marked to be checked again. Sign each off again, or "
        f"record that no change is needed:\n\n{listed}{more}\n",
        medical_reviewers(),
    )


def _name(user):
    return (user.get_full_name() or user.get_username()) if user else "Someone"


def reader_report(report):
    """Tell the medical reviewers that a reader reported a problem with an answer."""
    article = report.article
    _send(
        f"Reader report: {article.question}",
        f"A reader reported a problem with “{article.question}” (revision {report.revision_number}):\n\n"
        f"{report.message}\n\nReview it in the queue:\n"
        f"{settings.DRUGREF_SITE_URL}{reverse('admin:monographs_readerreport_change', args=[report.pk])}\n",
        medical_reviewers(),
    )
