"""Authorization codes and access tokens of the demo provider, in the database shared by every
process (the cache may be local memory in development)."""

from django.db import models


class Grant(models.Model):
    """One login at the demo provider: its single-use code, then the access token the code bought.

    Only hashes of the code and token are stored, as a real provider would.
    """

    code_hash = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    client_id = models.CharField(max_length=200)
    redirect_uri = models.URLField(max_length=1000)
    code_challenge = models.CharField(max_length=128)
    nonce = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField()
    userinfo_claims = models.JSONField(default=list)
    fiscal_code = models.CharField(max_length=16)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    birth_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    code_expires_at = models.DateTimeField()
    code_used_at = models.DateTimeField(null=True, blank=True)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    # Set when the code is presented twice: the tokens it bought are revoked (RFC 6749 §4.1.2).
    revoked = models.BooleanField(default=False)

    def __str__(self):
        return f"grant {self.pk} {self.fiscal_code}"
