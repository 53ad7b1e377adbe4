"""API tokens: how an editor's tools read previews of unpublished stories through /api/."""

import secrets
from datetime import timedelta
from hashlib import sha256

from django.conf import settings
from django.db import models
from django.utils import timezone

# Secret-scanning tools recognise a token by its prefix.
TOKEN_PREFIX = "nrapi_"
# Longest secret worth hashing: ours are about 50 characters.
MAX_SECRET_LENGTH = 200
# How often the last use is written down: not a write on every request.
LAST_USED_EVERY = timedelta(minutes=1)


def digest(secret):
    return sha256(secret.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True, user__is_active=True)

    def issue(self, user, *, name):
        """A new token for `user`: returns the row and the secret, which is kept nowhere.

        Only the secret's SHA-256 is stored (it is random, so a fast hash is enough):
        a copy of the database does not give anyone a working token.
        """
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = self.create(user=user, name=name, key_hash=digest(secret), hint=secret[-4:])
        return token, secret

    def for_secret(self, secret):
        """The active token `secret` stands for, with its user; None when unknown or revoked."""
        if not secret or len(secret) > MAX_SECRET_LENGTH:
            return None
        return self.active().select_related("user").filter(key_hash=digest(secret)).first()


class ApiToken(models.Model):
    """A secret that lets a program read the API as its user: previews, and no rate limit."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What it is for, e.g. “Newsletter builder”.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    hint = models.CharField(
        max_length=8, editable=False, help_text="The secret's last characters, to tell it apart."
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "API token"

    def __str__(self):
        return f"{self.name} (…{self.hint})"

    @property
    def is_active(self):
        return self.revoked_at is None and self.user.is_active

    def mark_used(self):
        now = timezone.now()
        if self.last_used_at is None or now - self.last_used_at >= LAST_USED_EVERY:
            self.last_used_at = now
            ApiToken.objects.filter(pk=self.pk).update(last_used_at=now)

    def revoke(self):
        if self.revoked_at is None:
            self.revoked_at = timezone.now()
            self.save(update_fields=["revoked_at"])
