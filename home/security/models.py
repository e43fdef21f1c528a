"""The rate-limit counts of ``home.security.ratelimit`` when there is no Redis."""

from django.db import models


class RateLimitCount(models.Model):
    """Hits of one key in one fixed window. The key is a digest: no address or
    email is stored."""

    key = models.CharField(max_length=64)
    window_start = models.BigIntegerField(help_text="Unix time the window began")
    expires_at = models.BigIntegerField(db_index=True, help_text="Unix time it ends")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key", "window_start"], name="ratelimit_key_window")
        ]

    def __str__(self):
        return f"{self.key[:12]}… {self.count}"
