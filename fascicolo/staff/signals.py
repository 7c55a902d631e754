from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver


@receiver(authenticator_added)
def _enrolment_proves_second_factor(sender, request, user, authenticator, **kwargs):
    # Activating TOTP needs a valid code from the new authenticator: this session has just passed
    # the second factor. (allauth's record_authentication is internal API: allauth is pinned <66.)
    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolment=True)
