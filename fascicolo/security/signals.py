from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from . import session_clock


@receiver(user_logged_in)
def _start_session_clock(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        session_clock.start(request.session)
