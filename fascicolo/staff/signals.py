from allauth.account.internal.flows.login import record_authentication
from allauth.account.signals import authentication_step_completed
from allauth.mfa.models import Authenticator
from allauth.mfa.signals import authenticator_added
from django.dispatch import receiver


@receiver(authenticator_added)
def _enrolment_proves_second_factor(sender, request, user, authenticator, **kwargs):
    # Activating TOTP needs a valid code from the new authenticator: this session has just passed
    # the second factor. (allauth's record_authentication is internal API: allauth is pinned <66.)
    if authenticator.type == Authenticator.Type.TOTP:
        record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type, enrolment=True)


@receiver(authentication_step_completed)
def _new_session_id_for_every_authentication_step(sender, request, **kwargs):
    # A password, a TOTP or recovery code, a reauthentication or an enrolment each raise what the
    # session may do: its id changes, so an id seen before the step is worth nothing after it.
    # (Django's login() rotates it only when the user changes.)
    request.session.cycle_key()
