"""Write the federation the portal's tests log in through, with the SDK's own models: a trust anchor
at PEER_URL, a SPID OpenID provider at PEER_URL/oidc/op (its subordinate), and the portal's relying
party registered as the anchor's subordinate with the "SPID public SP" profile, whose trust mark the
anchor issues. The shapes are those of the SDK's example dumps (examples/federation_authority).
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from spid_cie_oidc.accounts.models import User
from spid_cie_oidc.authority.models import (
    FederationDescendant,
    FederationEntityAssignedProfile,
    FederationEntityProfile,
)
from spid_cie_oidc.entity.jwks import create_jwk, public_jwk_from_private_jwk
from spid_cie_oidc.entity.models import FederationEntityConfiguration

SPID_PUBLIC_SP = "https://www.spid.gov.it/openid-federation/agreement/sp-public"
ALGORITHMS = ["RS256", "RS512", "ES256", "ES512", "PS256", "PS512"]


class Command(BaseCommand):
    help = "Create the database, the trust anchor, the SPID OP, the portal's relying party and the test users."

    def add_arguments(self, parser):
        parser.add_argument("--rp-entity-id", required=True)
        parser.add_argument("--rp-jwks", required=True, help="JSON file: the relying party's federation public JWKS")
        parser.add_argument("--users", required=True, help="JSON file: [{username, password, attributes}]")
        parser.add_argument("--op-policy", default="{}", help="JSON: the anchor's metadata_policy for the OP")
        parser.add_argument("--trust-marks-out", required=True, help="where to write the relying party's trust marks")

    def handle(self, *args, **options):
        call_command("migrate", run_syncdb=True, interactive=False, verbosity=0)
        anchor_id = settings.PEER_URL
        op_id = f"{anchor_id}/oidc/op"
        # The trust anchor first: the SDK takes the first entity with federation_entity metadata as itself.
        anchor = FederationEntityConfiguration.objects.create(
            sub=anchor_id,
            default_exp=60,
            entity_type="federation_entity",
            jwks_fed=[create_jwk()],
            jwks_core=[create_jwk()],
            metadata={
                "federation_entity": {
                    "organization_name": "Trust anchor di prova",
                    "homepage_uri": anchor_id,
                    "contacts": ["ops@example.org"],
                    "federation_fetch_endpoint": f"{anchor_id}/fetch",
                    "federation_resolve_endpoint": f"{anchor_id}/resolve",
                    "federation_list_endpoint": f"{anchor_id}/list",
                    "federation_trust_mark_status_endpoint": f"{anchor_id}/trust_mark_status",
                }
            },
            constraints={"max_path_length": 1},
            is_active=True,
        )
        # The provider's token signing key, marked "use": "sig" as in the SDK's example dump (its
        # userinfo endpoint picks the key by use).
        op_core_key = {**create_jwk(), "use": "sig"}
        op = FederationEntityConfiguration.objects.create(
            sub=op_id,
            default_exp=60,
            entity_type="openid_provider",
            authority_hints=[anchor_id],
            jwks_fed=[create_jwk()],
            jwks_core=[op_core_key],
            metadata={
                "federation_entity": {
                    "organization_name": "SPID OIDC identity provider di prova",
                    "homepage_uri": anchor_id,
                    "contacts": ["tech@example.org"],
                },
                "openid_provider": _provider_metadata(op_id, public_jwk_from_private_jwk(op_core_key)),
            },
            is_active=True,
        )
        FederationDescendant.objects.create(
            name="SPID OP di prova",
            sub=op_id,
            type="openid_provider",
            jwks=op.public_jwks,
            metadata_policy=json.loads(options["op_policy"]),
            status="valid",
            is_active=True,
        )
        rp_jwks = json.loads(Path(options["rp_jwks"]).read_text())["keys"]
        relying_party = FederationDescendant.objects.create(
            name="Fascicolo",
            sub=options["rp_entity_id"],
            type="openid_relying_party",
            jwks=rp_jwks,
            metadata_policy={"openid_relying_party": {"grant_types": {"subset_of": ["authorization_code"]}}},
            status="valid",
            is_active=True,
        )
        profile = FederationEntityProfile.objects.create(
            name="SPID Public SP",
            profile_category="openid_relying_party",
            profile_id=SPID_PUBLIC_SP,
            trust_mark_template={
                "iss": "$.issuer_sub",
                "sub": "$.sub",
                "iat": 1579621160,
                "id": SPID_PUBLIC_SP,
                "ref": "https://docs.italia.it/italia/spid/spid-regole-tecniche-oidc/it/stabile/index.html",
            },
        )
        FederationEntityAssignedProfile.objects.create(descendant=relying_party, profile=profile, issuer=anchor)
        Path(options["trust_marks_out"]).write_text(json.dumps(relying_party.trust_marks))
        for user in json.loads(Path(options["users"]).read_text()):
            created = User.objects.create(username=user["username"], attributes=user["attributes"])
            created.set_password(user["password"])
            created.save()
        self.stdout.write(f"trust anchor {anchor_id}, provider {op_id}, relying party {relying_party.sub}")


def _provider_metadata(op_id, public_key):
    """A SPID OP's openid_provider metadata, as in the SDK's example dump."""
    return {
        "issuer": op_id,
        "authorization_endpoint": f"{op_id}/authorization",
        "token_endpoint": f"{op_id}/token",
        "userinfo_endpoint": f"{op_id}/userinfo",
        "introspection_endpoint": f"{op_id}/introspection",
        "revocation_endpoint": f"{op_id}/revocation",
        "jwks": {"keys": [public_key]},
        "client_registration_types_supported": ["automatic"],
        "code_challenge_methods_supported": ["S256"],
        "request_authentication_methods_supported": {"ar": ["request_object"]},
        "acr_values_supported": [f"https://www.spid.gov.it/SpidL{level}" for level in (1, 2, 3)],
        "claims_parameter_supported": True,
        "claims_supported": [
            "https://attributes.eid.gov.it/fiscal_number",
            "given_name",
            "family_name",
            "place_of_birth",
            "birthdate",
            "email",
        ],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "id_token_encryption_alg_values_supported": ["RSA-OAEP"],
        "id_token_encryption_enc_values_supported": ["A128CBC-HS256"],
        "scopes_supported": ["openid", "offline_access"],
        "organization_name": "SPID OIDC identity provider di prova",
        "request_parameter_supported": True,
        "response_types_supported": ["code"],
        "subject_types_supported": ["pairwise", "public"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "token_endpoint_auth_signing_alg_values_supported": ALGORITHMS,
        "userinfo_encryption_alg_values_supported": ["RSA-OAEP", "RSA-OAEP-256"],
        "userinfo_encryption_enc_values_supported": ["A128CBC-HS256", "A256CBC-HS512"],
        "userinfo_signing_alg_values_supported": ALGORITHMS,
        "request_object_signing_alg_values_supported": ALGORITHMS,
    }
