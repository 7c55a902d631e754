"""The admin's URLs, walked from the project's resolver, and a resident with something in every app.

Shared by the walks over every admin page: the access log's (tests/privacy/test_admin_walk.py) and
the Italian translations' (tests/fascicolo/test_admin_italian.py).
"""

from datetime import date

from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from fascicolo.dossier.services import send_message
from fascicolo.identity.backends.base import VerifiedIdentity
from fascicolo.identity.loa import LoA
from fascicolo.identity.models import LoginEvent, LoginOutcome
from fascicolo.identity.services import account_for_identity
from fascicolo.identity.tokens import create_api_token
from payments import attempts
from registry.certificates.models import Certificate, StampExemption
from registry.models import EventKind, Relationship
from tests.audit.people import make_person
from tests.dossier.factories import make_household, years_ago
from tests.payments.factories import make_position

SKIPPED_VIEWS = {"logout", "autocomplete"}  # autocomplete: visited with its parameters


def make_world():
    """One resident with something in every app, named so that a page showing them is easy to spot."""
    person = make_person(family_name="Kappavisto", given_name="Ilaria", sex="F", birth_date=years_ago(40))
    child = make_person(family_name="Kappavisto", given_name="Tommaso", sex="M", birth_date=years_ago(9))
    make_household([(person, Relationship.HEAD), (child, Relationship.CHILD)])
    person.events.create(kind=EventKind.ADDRESS_CHANGE, date=date(2020, 1, 1))
    identity = VerifiedIdentity(person.fiscal_code, "Ilaria", "Kappavisto", person.birth_date, LoA.L2, "spid-demo", "s")
    user = account_for_identity(identity)
    Certificate.objects.create(kind="residenza", holder=person, requested_by=user,
                               exemption=StampExemption.SEPARATION, stamp_duty_cents=0)  # fmt: skip
    position = make_position(fiscal_code=person.fiscal_code, name="Ilaria Kappavisto")
    attempts.create_attempt([position.options.get()], person.fiscal_code)
    LoginEvent.objects.create(user=user, fiscal_code=person.fiscal_code, backend="spid-demo", level=2,
                              outcome=LoginOutcome.LOGIN)  # fmt: skip
    create_api_token(user, name="Telefono", loa=LoA.L2)
    send_message(recipient_person=person, subject="Avviso", body="Testo")
    person.rectification_requests.create(requested_by=user, datum="address", correct_value="Via Nuova 1")
    return [person, child]


def admin_patterns():
    """(name, pattern) of every URL the admin site serves, walked from the project's resolver."""
    found = []

    def walk(patterns, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and namespace == "admin" and pattern.name:
                found.append((pattern.name, pattern))

    walk(get_resolver().url_patterns, None)
    return found


def urls_to_visit(person, skipped_models=()):
    """The admin's URLs filled in with this person's objects, plus searches and autocompletes.

    ``skipped_models``: ``<app label>_<model name>`` of models whose pages are left out."""
    urls = []
    models = {f"{m._meta.app_label}_{m._meta.model_name}": m for m in admin.site._registry}
    for name, pattern in admin_patterns():
        if name in SKIPPED_VIEWS:
            continue
        prefix = next((key for key in models if name.startswith(key + "_")), None)
        params = set(pattern.pattern.regex.groupindex)
        if prefix in skipped_models:
            continue
        if not params:
            urls.append(reverse(f"admin:{name}"))
            if name.endswith("_changelist"):
                # Typed in lower case: the search box echoes it, the results show it in capitals.
                urls.append(reverse(f"admin:{name}") + f"?q={person.fiscal_code.lower()}")
                urls.append(reverse(f"admin:{name}") + "?q=kappavisto")
        elif params == {"object_id"} and prefix:
            obj = models[prefix].objects.order_by("-pk").first()
            if obj is not None:
                urls.append(reverse(f"admin:{name}", args=[obj.pk]))
        elif params == {"app_label"}:
            urls.extend(
                reverse(f"admin:{name}", args=[label]) for label in {m._meta.app_label for m in models.values()}
            )
    for source, model_admin in admin.site._registry.items():
        for field in model_admin.autocomplete_fields:
            query = f"term=kappavisto&app_label={source._meta.app_label}&model_name={source._meta.model_name}"
            urls.append(reverse("admin:autocomplete") + f"?{query}&field_name={field}")
    # A filter clerks use to list people by age (the probe of issue 12).
    urls.append(reverse("admin:registry_person_changelist") + "?age=minor")
    return urls
