"""Privacy on every authenticated response, and no resident ever reaching another's object.

Both tests enumerate the routes from the URL resolver: a route added later is walked too, and an
object route under /area-personale/ or /api/v1/ that nobody classified here fails the sweep until
it is (see docs/dossier.md, "Privacy").
"""

import importlib
import pkgutil

import pytest
from django.test import Client

import tests
from tests.audit.staff import login_staff, make_staff
from tests.dossier.factories import make_dossier_objects
from tests.dossier.routes import all_routes
from tests.helpers import login_resident

pytestmark = pytest.mark.django_db

RESIDENT_PREFIXES = ("area-personale/", "api/v1/")
STATIC_PREFIXES = ("static/", "^static/", "media/")

# Object routes of the area personale and the API: which of the owner's objects the id names.
# Parameters that are not object ids (a signed email link) are listed as None.
OBJECT_ROUTES = {
    "dossier:message_detail": "message",
    "dossier:rectification_detail": "rectification",
    "dossier:token_revoke": "token",
    "dossier:verify_email": None,
    "api:v1:message-detail": "message",
    "api:v1:message-read": "message",
    "api:v1:rectification-detail": "rectification",
    "api:v1:token-detail": "token",
}


def _plugged_in_routes():
    """Other apps classify their object routes in ``tests/<app>/idor.py`` (docs/dossier.md):
    ``OBJECT_ROUTES = {route name: kind}`` and ``make_objects(person, user) -> {kind: object}``."""
    from tests.dossier import idor_others

    routes, makers = dict(OBJECT_ROUTES), [make_dossier_objects]
    routes.update({name: kind for name, kind in idor_others.OBJECT_ROUTES.items() if name not in routes})
    makers.append(idor_others.make_objects)
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:  # tests/<app>/ folders only, not modules such as tests/hold_settings.py
            continue
        try:
            plugin = importlib.import_module(f"tests.{module.name}.idor")
        except ModuleNotFoundError:
            continue
        routes.update(plugin.OBJECT_ROUTES)
        makers.append(plugin.make_objects)
    return routes, makers


def _private(response):
    cache_control = response.get("Cache-Control", "")
    vary = {v.strip().lower() for v in response.get("Vary", "").split(",")}
    return "private" in cache_control and "no-store" in cache_control and {"cookie", "authorization"} <= vary


def _walk(client, routes, **extra):
    failures = []
    for route in routes:
        path = route.path()
        response = client.get(path, **extra)
        if not _private(response):
            failures.append((path, response.status_code, response.get("Cache-Control"), response.get("Vary")))
    return failures


def test_every_route_answers_authenticated_requests_privately(family):
    routes = [r for r in all_routes() if not r.pattern.startswith(STATIC_PREFIXES)]
    assert len(routes) > 30  # the resolver walk found the portal, not an empty list

    resident = Client(raise_request_exception=False)
    login_resident(resident, family["head"])
    assert _walk(resident, routes) == []

    staff = Client(raise_request_exception=False)
    login_staff(staff, make_staff("supervisore", superuser=True), purpose="Verifica")
    assert _walk(staff, [r for r in routes if r.pattern.startswith("admin/")]) == []

    # an app with a bearer header (even a wrong one) gets a private answer too
    assert _walk(Client(), [r for r in routes if r.pattern.startswith("api/")], HTTP_AUTHORIZATION="Bearer x") == []


def test_anonymous_public_pages_stay_cacheable():
    response = Client().get("/")
    assert "no-store" not in response.get("Cache-Control", "")


def test_idor_sweep_every_object_route_hides_another_residents_objects(family, other_family):
    object_route_kinds, makers = _plugged_in_routes()
    owner_client = Client()
    owner = login_resident(owner_client, other_family["head"])
    theirs = {}
    for make in makers:
        theirs.update(make(other_family["head"], owner))
    secrets = (other_family["head"].fiscal_code, theirs["message"].body, theirs["rectification"].correct_value,
               theirs["token"].name)  # fmt: skip

    object_routes = [r for r in all_routes() if r.pattern.startswith(RESIDENT_PREFIXES) and r.has_params]
    unclassified = {r.name or r.pattern for r in object_routes} - set(object_route_kinds)
    assert not unclassified, f"classify these object routes in tests/<app>/idor.py: {sorted(unclassified)}"

    attacker = Client(raise_request_exception=False)
    login_resident(attacker, family["head"])
    swept = []
    for route in object_routes:
        kind = object_route_kinds[route.name]
        if kind is None:
            continue
        ((param, converter),) = route.converters.items()
        path = route.path(**{param: _route_value(theirs[kind], converter)})
        swept.append(path)
        for method in ("get", "post", "patch", "delete"):
            response = getattr(attacker, method)(path)
            assert response.status_code in (404, 405), (method, path, response.status_code)
            body = response.content.decode()
            assert not any(secret in body for secret in secrets), (method, path)
    assert len(swept) >= len([r for r in object_routes if object_route_kinds[r.name]])

    # nothing of theirs changed...
    for obj in (theirs["message"], theirs["token"]):
        obj.refresh_from_db()
    assert theirs["message"].read_at is None and theirs["token"].revoked_at is None
    # ...and the owner reaches the dossier's objects at the same addresses: the sweep tested real ones
    for path in swept:
        if path.startswith(("/area-personale/messaggi/", "/area-personale/rettifiche/", "/api/v1/messages/",
                            "/api/v1/rectifications/", "/api/v1/tokens/")):  # fmt: skip
            assert owner_client.get(path).status_code in (200, 405), path


def _route_value(obj, converter):
    """What a route's parameter takes: a signed token as is, a public UUID, or the primary key."""
    if isinstance(obj, str):
        return obj
    if converter == "uuid":
        return obj.public_id
    return obj.pk
