"""Where other apps plug into the area personale without the dossier importing them.

The overview's "what needs attention" box asks every registered provider for items. The payments
app registers one for notices due soon, the certificates app one for certificates ready to download,
each from its ``AppConfig.ready()``::

    from fascicolo.dossier.hooks import AttentionItem, register_attention_provider

    @register_attention_provider
    def payments_due(user, person):
        return [AttentionItem(kind="payment", title=..., url=..., due=...)]

A provider receives the signed-in user and their registry ``Person`` (``None`` when the resident is
not in this municipality's registry) and returns only that resident's items.
"""

import logging
from dataclasses import dataclass
from datetime import date

logger = logging.getLogger(__name__)

_providers = []


@dataclass(frozen=True)
class AttentionItem:
    kind: str  # "payment", "certificate", "message", ...
    title: str
    url: str
    due: date | None = None


def register_attention_provider(provider):
    if provider not in _providers:
        _providers.append(provider)
    return provider


def unregister_attention_provider(provider):
    if provider in _providers:
        _providers.remove(provider)


def attention_items(user, person):
    items = []
    for provider in list(_providers):
        try:
            items.extend(provider(user, person))
        except Exception:
            # One broken section must not take the resident's whole overview down with it.
            logger.exception("attention provider %s failed", getattr(provider, "__name__", provider))
    return sorted(items, key=lambda item: (item.due is None, item.due or date.max, item.title))
