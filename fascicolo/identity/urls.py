from django.urls import path

from . import views

app_name = "identity"

urlpatterns = [
    path("", views.login_page, name="login"),
    path("livello/", views.step_up, name="step_up"),
    path("esci/", views.logout_view, name="logout"),
    path("non-in-anagrafe/", views.not_in_registry, name="not_in_registry"),
    path("jwks.json", views.portal_jwks, name="portal_jwks"),
    path("<slug:backend_id>/avvia/", views.start, name="start"),
    path("<slug:backend_id>/ritorno/", views.callback, name="callback"),
    path("<slug:backend_id>/jwks.json", views.jwks, name="jwks"),
    path("<slug:backend_id>/metadata/", views.saml_metadata, name="saml_metadata"),
    path("<slug:backend_id>/acs/", views.saml_acs, name="saml_acs"),
    path("<slug:backend_id>/slo/", views.saml_slo, name="saml_slo"),
]
