from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from . import health, views
from .audit.admin_mixins import AuditedAutocompleteJsonView
from .identity import views as identity_views

# The portal's error pages; under /api/ RFC 9457 problem documents (fascicolo/errors.py).
handler400 = "fascicolo.errors.bad_request"
handler403 = "fascicolo.errors.permission_denied"
handler404 = "fascicolo.errors.page_not_found"
handler500 = "fascicolo.errors.server_error"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # The language switch in every page's header posts here without a CSRF token: a token would set
    # a cookie on every public page (shared caches must not store those), and a forged change of
    # language harms nobody. The view still only redirects within the site.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # Before the admin's own: the autocomplete that asks for the purpose and records what it shows.
    path("admin/autocomplete/", admin.site.admin_view(AuditedAutocompleteJsonView.as_view(admin_site=admin.site))),
    path("admin/", admin.site.urls),
    path("accesso/", include("fascicolo.identity.urls")),
    # The relying party's OpenID Federation entity configuration, at its entity id (docs/identity.md).
    path(".well-known/openid-federation", identity_views.entity_configuration, name="openid_federation"),
    path("<path:path>/.well-known/openid-federation", identity_views.entity_configuration),
    path("personale/", include("allauth.urls")),
    path("sessione/", include("fascicolo.security.urls")),
    path("area-personale/pagamenti/", include("payments.urls")),
    path("pagamenti/", include("payments.urls_gateway")),
    # Sections of the area personale that feature apps add (fascicolo.sections, docs/dossier.md).
    path("area-personale/certificati/", include("registry.certificates.urls")),
    path("area-personale/", include("fascicolo.dossier.urls")),
    path("verify/", include("registry.certificates.public_urls")),
    path("api/", include("fascicolo.api.urls")),
    path("", views.home, name="home"),
    path("accessibilita/", views.accessibility, name="accessibility"),
]

# The demo apps, mounted only where installed (settings.py): the demo identity provider (system check
# identity.E002) and the PSP simulator (payments.E001) are refused with DEBUG off outside DEMO_MODE.
if apps.is_installed("fascicolo.identity.demo_idp"):
    urlpatterns.append(path("demo-idp/", include("fascicolo.identity.demo_idp.urls")))
if apps.is_installed("payments.simulator"):
    urlpatterns.append(path("psp-simulator/", include("payments.simulator.urls")))

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
