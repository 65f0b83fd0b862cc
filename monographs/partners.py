"""Partners who syndicate drugref's answers through the API, and their keys.

A key is shown once, when it is issued, and stored only as a SHA-256 hash of
its secret: a key is 32 random bytes, so a fast hash is as safe as a slow one
and costs nothing per request. The key's first characters (its prefix) find
its row; the hash is compared in constant time.
"""

import hashlib
import hmac
import secrets

from django.db import models, transaction
from django.utils import timezone

from .text import validate_single_line

KEY_PREFIX = "drk_"  # says what the string is, wherever a partner pastes it
_LOOKUP_CHARS = 8


def forget(lookups) -> None:
    """After a change to keys (or their partner), make every app server read them again (api/auth.py).

    It moves the page cache's purge generation on, now and again once committed (a request meanwhile may
    have read the record from before); a cache that is down loses this, and records are read again within
    a minute anyway.
    """
    from .caching import store

    if not lookups:
        return
    store.purge({"api-keys"})
    transaction.on_commit(lambda: store.purge({"api-keys"}))


class Partner(models.Model):
    name = models.CharField(max_length=200, unique=True, validators=[validate_single_line])
    contact = models.CharField(
        max_length=300, blank=True, validators=[validate_single_line], help_text="Who to write to: a name and e-mail."
    )
    terms_accepted_on = models.DateField(
        null=True, blank=True, help_text="When they accepted the licence terms (attribution, a link back, refreshing)."
    )
    active = models.BooleanField(default=True, help_text="Untick to stop every key of this partner at once.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget(list(self.keys.values_list("lookup", flat=True)))  # active or not: every key's record changes


def hash_matches(hashed: str, secret: str) -> bool:
    """Whether `secret` is the key whose stored hash is `hashed` (compared in constant time)."""
    return hmac.compare_digest(hashed, _digest(secret))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiKey(models.Model):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="keys")
    name = models.CharField(max_length=100, blank=True, help_text="What it is for, e.g. “production app”.")
    lookup = models.CharField(max_length=_LOOKUP_CHARS, unique=True, editable=False)
    hashed = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API key"

    def __str__(self):
        return f"{KEY_PREFIX}{self.lookup}… ({self.partner})"

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        forget([self.lookup])

    @classmethod
    def issue(cls, partner: Partner, name: str = "") -> tuple["ApiKey", str]:
        """Make a new key for `partner`; return it and the key itself, which is never stored or shown again."""
        while True:
            lookup = secrets.token_hex(_LOOKUP_CHARS // 2)
            if not cls.objects.filter(lookup=lookup).exists():
                break
        secret = secrets.token_urlsafe(32)
        key = cls.objects.create(partner=partner, name=name, lookup=lookup, hashed=_digest(secret))
        return key, f"{KEY_PREFIX}{lookup}{secret}"

    @classmethod
    def split(cls, presented: str) -> tuple[str, str] | None:
        """Return (lookup, secret) from a key as presented, or None if it is not shaped like one."""
        if not presented.startswith(KEY_PREFIX) or len(presented) < len(KEY_PREFIX) + _LOOKUP_CHARS + 20:
            return None
        rest = presented[len(KEY_PREFIX) :]
        return rest[:_LOOKUP_CHARS], rest[_LOOKUP_CHARS:]

    def matches(self, secret: str) -> bool:
        return hash_matches(self.hashed, secret)

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
