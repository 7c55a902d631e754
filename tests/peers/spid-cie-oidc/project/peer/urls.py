"""The SDK's URL configuration as its example project federation_authority composes it: entity and
authority endpoints at the root (the trust anchor), the provider under oidc/op/ with its own entity
configuration."""

from django.urls import path
from spid_cie_oidc.authority.urls import urlpatterns as authority_urlpatterns
from spid_cie_oidc.entity.urls import urlpatterns as entity_urlpatterns
from spid_cie_oidc.entity.views import entity_configuration, resolve_entity_statement
from spid_cie_oidc.provider.urls import urlpatterns as provider_urlpatterns

urlpatterns = [
    *entity_urlpatterns,
    *provider_urlpatterns,
    *authority_urlpatterns,
    path("oidc/op/.well-known/openid-federation", entity_configuration, name="op_entity_configuration"),
    path("oidc/op/resolve", resolve_entity_statement, name="op_entity_resolve"),
]
