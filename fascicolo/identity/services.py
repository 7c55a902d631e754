"""Turning a verified identity into a resident's session, and finding the resident's registry record."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model, login
from django.db import transaction
from django.db.models import Q

from registry.models import Person

from .loa import SESSION_LOA_KEY, LoA
from .models import ResidentAccount

SESSION_BACKEND_KEY = "identity.backend"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What an identity backend hands over once it has verified a login."""

    fiscal_code: str
    given_name: str
    family_name: str
    birth_date: date | None
    loa: LoA
    backend_id: str
    subject: str


def match_person(fiscal_code):
    """The registry record for a codice fiscale, also when the record's code changed (omocodia)."""
    return (
        Person.objects.filter(Q(fiscal_code=fiscal_code) | Q(fiscal_code_aliases__fiscal_code=fiscal_code))
        .distinct()
        .first()
    )


@transaction.atomic
def account_for_identity(identity):
    """The resident's user, created at the first strong login (residents never register)."""
    account = ResidentAccount.objects.select_related("user").filter(fiscal_code=identity.fiscal_code).first()
    person = match_person(identity.fiscal_code)
    if account is None:
        user = get_user_model().objects.create_user(
            username=f"cf:{identity.fiscal_code}",
            first_name=identity.given_name[:150],
            last_name=identity.family_name[:150],
        )
        user.set_unusable_password()
        user.save(update_fields=["password"])
        account = ResidentAccount.objects.create(user=user, fiscal_code=identity.fiscal_code, person=person)
    elif account.person_id != (person.pk if person else None):
        account.person = person
        account.save(update_fields=["person"])
    return account.user


def start_resident_session(request, identity):
    """Log the resident in (rotating the session id) and remember the level of assurance."""
    user = account_for_identity(identity)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_LOA_KEY] = int(identity.loa)
    request.session[SESSION_BACKEND_KEY] = identity.backend_id
    return user


def person_for_user(user):
    """The signed-in resident's registry record, or ``None`` (not in this municipality's registry)."""
    if not user.is_authenticated:
        return None
    account = getattr(user, "resident", None)
    return account.person if account else None


def fiscal_code_for_user(user):
    account = getattr(user, "resident", None) if user.is_authenticated else None
    return account.fiscal_code if account else None
