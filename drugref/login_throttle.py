"""Login throttling: failed sign-ins slow, then lock, one account and one address for a while.

Counts live in the shared cache (Redis in production), so every app server sees
the same counts. Per account: from the 3rd failure in 15 minutes each attempt
must wait a little longer (2 s, 4 s), and the 5th locks the account for 15
minutes, whatever address tries it. Per address: 30 failures in 15 minutes lock
the address, so one person behind an office's shared address cannot lock out
the others by mistyping. A locked sign-in is refused before the password is
checked, so a lock holds even against the right password. When the cache is
down, sign-ins go unthrottled rather than failing: logins keep working.
"""

import hashlib
import logging
import math
import time

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.dispatch import receiver

logger = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
# What is kept per account and per address, each under "<key>:<part>".
COUNT, LAST_FAILURE, LOCKED_UNTIL = "count", "last_failure", "locked_until"
PARTS = (COUNT, LAST_FAILURE, LOCKED_UNTIL)


def _limits():
    return {
        "account": (settings.DRUGREF_LOGIN_ACCOUNT_LIMIT, 3),  # (lock at, slow down from)
        "address": (settings.DRUGREF_LOGIN_ADDRESS_LIMIT, None),
    }


def client_address(request) -> str:
    """The reader's address: REMOTE_ADDR, or the one the trusted proxies in front of us saw."""
    hops = settings.DRUGREF_TRUSTED_PROXIES
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if hops and len(forwarded) >= hops:
        return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


def _keys(request, username):
    account = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return {"account": f"login:account:{account}", "address": f"login:address:{client_address(request)}"}


def _cache():
    return caches["default"]


def wait_seconds(request, username: str) -> int:
    """Seconds before this sign-in may be tried again; 0 if it may be tried now."""
    now, keys = time.time(), _keys(request, username)
    try:
        stored = _cache().get_many([f"{key}:{part}" for key in keys.values() for part in PARTS])
    except Exception:  # any cache failure: fail open (see above)
        logger.warning("login throttle: cache unavailable, sign-in not throttled", exc_info=True)
        return 0
    wait = 0.0
    for kind, key in keys.items():
        lock_at, slow_from = _limits()[kind]
        wait = max(wait, stored.get(f"{key}:{LOCKED_UNTIL}", 0) - now)
        count = stored.get(f"{key}:{COUNT}", 0)
        if slow_from and slow_from <= count < lock_at:  # 2 s after the last failure, then 4 s, ...
            wait = max(wait, stored.get(f"{key}:{LAST_FAILURE}", 0) + 2 ** (count - slow_from + 1) - now)
    return math.ceil(wait) if wait > 0 else 0


@receiver(user_login_failed, dispatch_uid="drugref.login_throttle.failed")
def record_failure(sender, credentials, request=None, **kwargs):
    if request is None:
        return
    cache, now = _cache(), time.time()
    try:
        for kind, key in _keys(request, credentials.get("username", "")).items():
            lock_at, _ = _limits()[kind]
            cache.add(f"{key}:{COUNT}", 0, WINDOW_SECONDS)  # add and incr are atomic in Redis: no count is lost
            count = cache.incr(f"{key}:{COUNT}")
            cache.set(f"{key}:{LAST_FAILURE}", now, WINDOW_SECONDS)
            if count >= lock_at:
                lock = settings.DRUGREF_LOGIN_LOCK_SECONDS
                cache.set(f"{key}:{LOCKED_UNTIL}", now + lock, lock)
                logger.warning("login throttle: %s locked after %d failed sign-ins", kind, count)
    except Exception:
        logger.warning("login throttle: cache unavailable, failure not counted", exc_info=True)


@receiver(user_logged_in, dispatch_uid="drugref.login_throttle.succeeded")
def forget_failures(sender, request, user, **kwargs):
    """A successful sign-in clears its account's count (never its address's)."""
    key = _keys(request, user.get_username())["account"]
    try:
        _cache().delete_many([f"{key}:{part}" for part in PARTS])
    except Exception:
        logger.warning("login throttle: cache unavailable", exc_info=True)


class ThrottledAdminLoginForm(AdminAuthenticationForm):
    """The admin's sign-in form, refusing throttled sign-ins before it checks the password."""

    def clean(self):
        if wait := wait_seconds(self.request, self.data.get("username", "")):
            when = f"{wait} seconds" if wait < 120 else f"{math.ceil(wait / 60)} minutes"
            raise ValidationError(
                f"Too many failed sign-ins for this account or from this address. Try again in {when}.",
                code="throttled",
            )
        return super().clean()
