"""What the area personale does when something happens elsewhere."""

from django.dispatch import receiver

from fascicolo.identity import tokens
from fascicolo.identity.signals import resident_logged_out


@receiver(resident_logged_out, dispatch_uid="dossier.revoke_tokens_at_logout")
def _revoke_app_tokens(sender, user, **kwargs):
    # Logging out ends everything the session started: an app token created from it (or from an
    # earlier session on another device) would otherwise keep the resident's data open for up to
    # API_TOKEN_LIFETIME after they believe they have left.
    tokens.revoke_all_api_tokens(user)
