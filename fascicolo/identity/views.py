"""Login, step-up and logout pages, and the two ends of a login with an identity backend.

Views stay thin: the backend verifies the provider's answer, ``services`` starts the session and
records what happened.
"""

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascicolo.limits import check_resident

from . import services
from .backends.base import LoginFailed
from .loa import LoA

DOSSIER_PATH = "/area-personale/"
PAYMENTS_PATH = "/area-personale/pagamenti/"


def _safe_next(request, target=None, default=""):
    target = target or request.GET.get("next") or request.POST.get("next") or default
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _requested_level(request):
    try:
        return LoA(int(request.GET.get("level", LoA.L2)))
    except ValueError:
        return LoA.L2


def _landing_page():
    """The dossier when it is installed, else the home page."""
    try:
        resolve(DOSSIER_PATH)
    except Resolver404:
        return reverse("home")
    return DOSSIER_PATH


def _backend_page(request, template, status=200):
    level, next_url = _requested_level(request), _safe_next(request)
    query = urlencode({"level": int(level), **({"next": next_url} if next_url else {})})
    context = {"backends": services.login_backends(), "next": next_url, "level": level, "query": query}
    return render(request, template, context, status=status)


@never_cache
@require_GET
def login_page(request):
    return _backend_page(request, "identity/login.html")


@never_cache
@require_GET
def step_up(request):
    return _backend_page(request, "identity/step_up.html")


@never_cache
@require_GET
def start(request, backend_id):
    backend = services.login_backend(backend_id)
    if backend is None:
        raise Http404
    level = _requested_level(request)
    if request.user.is_authenticated:
        # A signed-in resident starting a login is stepping up (a higher level of assurance).
        check_resident(request, "step_up")
    try:
        return backend.start_login(request, level, _safe_next(request))
    except LoginFailed as failure:
        services.record_login_failure(request, backend.id, failure, level)
        return _failed(request, failure, level)


@never_cache
@require_GET
def callback(request, backend_id):
    return _returned(request, backend_id)


@csrf_exempt  # the identity provider's form posts here; the single-use RelayState binds it to a login
@never_cache
@require_POST
def saml_acs(request, backend_id):
    """SAML assertion consumer service (HTTP-POST binding)."""
    return _returned(request, backend_id)


def _returned(request, backend_id):
    backend = services.login_backend(backend_id)
    if backend is None:
        raise Http404
    try:
        identity, next_url = backend.handle_callback(request)
        services.complete_login(request, identity)
    except LoginFailed as failure:
        services.record_login_failure(request, backend.id, failure)
        return _failed(request, failure)
    next_url = _safe_next(request, next_url)
    if services.person_for_user(request.user) is None:
        return redirect(f"{reverse('identity:not_in_registry')}?{urlencode({'next': next_url})}")
    return redirect(next_url or _landing_page())


@require_GET
def jwks(request, backend_id):
    """The portal's public keys for one provider: signing (``private_key_jwt``, request objects) and
    encryption (userinfo), as a JWKS."""
    backend = services.login_backend(backend_id)
    keys = backend.public_jwks() if backend else None
    if keys is None:
        raise Http404
    return JsonResponse(keys)


@require_GET
def saml_metadata(request, backend_id):
    """A SAML backend's signed service-provider metadata."""
    backend = services.login_backend(backend_id)
    if backend is None or not hasattr(backend, "metadata") or backend.type != "saml":
        raise Http404
    return HttpResponse(backend.metadata(), content_type="application/samlmetadata+xml")


@csrf_exempt  # the provider's messages: signed, and bound to this portal's requests (RelayState)
@never_cache
@require_http_methods(["GET", "POST"])
def saml_slo(request, backend_id):
    """SAML single logout service (HTTP-POST and HTTP-Redirect bindings).

    The provider's ``LogoutResponse`` to the portal's own ``LogoutRequest`` (the resident already left
    the portal at ``logout_view``) ends on the home page, or on a page saying the provider did not
    confirm. A ``LogoutRequest`` the provider started ends the sessions it names, and is answered with
    a signed ``LogoutResponse``.
    """
    backend = services.login_backend(backend_id)
    if backend is None or backend.type != "saml":
        raise Http404
    try:
        message = backend.read_logout_message(request)
    except LoginFailed as failure:
        return render(request, "identity/logout_failed.html", {"message": failure.message}, status=400)
    if message.is_answer:
        if message.success:
            return redirect(f"{reverse('home')}?{LOGGED_OUT_PARAM}=1")
        return render(request, "identity/logout_failed.html", {"partial": True})
    services.end_provider_sessions(request, backend.id, message.subject, message.session_indexes)
    response = backend.logout_response(message, success=True)
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


@require_GET
def portal_jwks(request):
    """Every enabled backend's public keys in one JWKS (each key once): the relying party's keys."""
    found = {}
    for backend in services.login_backends():
        for key in (backend.public_jwks() or {}).get("keys", []):
            found.setdefault(key.get("kid"), key)
    return JsonResponse({"keys": list(found.values())})


@require_GET
def entity_configuration(request, path=""):
    """The relying party's OpenID Federation entity configuration (a signed JWT) for the entity id
    with this path: ``/.well-known/openid-federation`` for an entity id that is the site's root."""
    statement = services.entity_configuration(request, path)
    if statement is None:
        raise Http404
    return HttpResponse(statement, content_type="application/entity-statement+jwt")


def _failed(request, failure, level=None):
    query = urlencode({"level": int(level or LoA.L2)})
    retry_url = f"{reverse('identity:login')}?{query}"
    context = {"message": failure.message, "reason": failure.reason, "retry_url": retry_url}
    return render(request, "identity/login_failed.html", context, status=403)


@never_cache
@login_required(login_url="identity:login")
def not_in_registry(request):
    context = {
        "fiscal_code": services.fiscal_code_for_user(request.user),
        "payments_url": PAYMENTS_PATH,
        "next": _safe_next(request),
    }
    return render(request, "identity/not_in_registry.html", context)


LOGGED_OUT_PARAM = "uscita"


CLEAR_SITE_DATA = '"cache", "cookies", "storage"'


@require_POST
def logout_view(request):
    # A SAML provider hears of it (a signed LogoutRequest; its answer comes back to saml_slo), but the
    # portal's session ends now, whatever the provider does.
    to_provider = services.provider_logout(request)
    services.end_resident_session(request)
    # Clear-Site-Data wipes every cookie, a message cookie or a new session's included: the home
    # page says the logout went through when it is reached with LOGGED_OUT_PARAM.
    response = to_provider or redirect(f"{reverse('home')}?{LOGGED_OUT_PARAM}=1")
    response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response
