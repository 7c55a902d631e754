"""Payment gateway settings from environment variables (imported by ``fascicolo.settings``; no Django here).

``PAYMENTS_GATEWAYS`` lists gateway ids; each id ``X`` reads every ``PAYMENTS_GATEWAY_X_<KEY>``
variable (upper case, dashes as underscores) into its configuration entry as ``<key>`` (lower
case). ``TYPE`` picks the gateway class and defaults to the id itself, so ``PAYMENTS_GATEWAYS=simulator``
is a complete configuration of the PSP simulator gateway. A new PSP is configuration
(``PAYMENTS_GATEWAY_<ID>_TYPE`` and the type's keys), not code.
"""

import os


def gateway_from_env(gateway_id, environ=None):
    """The configuration entry of one gateway: ``{"id", "type", <key>: <value>, …}``."""
    environ = os.environ if environ is None else environ
    prefix = f"PAYMENTS_GATEWAY_{gateway_id.upper().replace('-', '_')}_"
    entry = {key.removeprefix(prefix).lower(): value for key, value in environ.items() if key.startswith(prefix)}
    entry["id"] = gateway_id
    entry["type"] = entry.get("type") or gateway_id
    return entry


def gateways_from_env(gateway_ids, environ=None):
    return [gateway_from_env(gateway_id, environ) for gateway_id in gateway_ids]
