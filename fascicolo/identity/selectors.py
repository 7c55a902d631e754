"""Published reads on residents' accounts, for the apps above identity (payments, the API, the dossier).

- ``profile_for(user)``: the resident's settings (an unsaved default when they never changed any).
- ``preferred_language(user)``: the language chosen in *Impostazioni*, or ``None``.
- ``digital_notice_email(fiscal_code)``: where a resident who chose digital notices gets them.
"""

from .models import ResidentProfile


def profile_for(user):
    """The resident's settings; an unsaved default when they never changed any."""
    return ResidentProfile.objects.filter(user=user).first() or ResidentProfile(user=user)


def preferred_language(user):
    """The language code the resident chose in *Impostazioni* (``"it"``, ``"en"``), or ``None``."""
    return ResidentProfile.objects.filter(user=user).values_list("language", flat=True).first()


def digital_notice_email(fiscal_code):
    """The verified address of the resident with this codice fiscale who chose digital notices
    (*avvisi digitali*: payment notices by email instead of on paper), or ``""``."""
    email = (
        ResidentProfile.objects.filter(user__resident__fiscal_code=fiscal_code, digital_notices=True)
        .exclude(email="")
        .values_list("email", flat=True)
        .first()
    )
    return email or ""
