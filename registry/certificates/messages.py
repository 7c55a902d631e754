"""The resident's messages about their certificates (*Messaggi* in the area personale).

Receivers of the certificates' own ``certificate_ready`` and of the payments' ``stamp_paid``, both sent
after the commit. Each posts through ``fascicolo.sections.post_message``, which stores one message
per (resident, kind, certificate): a signal delivered twice writes nothing more.

The message goes to the resident who requested the certificate (the only one who sees it in
*Certificati*), and only while the register lets them act for its holder
(``registry.selectors.person_may_act_for``: themselves, or a minor in their care): a parent who no
longer represents the child is not told about the child's certificate.
"""

import logging

from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext as _

from fascicolo import sections
from fascicolo.identity.services import fiscal_code_for_user, person_for_user
from registry.selectors import person_may_act_for

from .models import Certificate
from .selectors import STAMP_REFERENCE_PREFIX
from .signals import certificate_ready

logger = logging.getLogger(__name__)


def _requester_fiscal_code(certificate):
    """The requester's codice fiscale, or ``None`` when they may no longer act for the holder."""
    user = certificate.requested_by
    if person_may_act_for(person_for_user(user), certificate.holder_id) is None:
        logger.info("certificate %s: requester may no longer act for its holder, no message", certificate.pk)
        return None
    return fiscal_code_for_user(user)


@receiver(certificate_ready, dispatch_uid="certificates.messages.ready")
def announce_ready(sender, certificate_id, **kwargs):
    certificate = Certificate.objects.select_related("holder", "requested_by").get(pk=certificate_id)
    fiscal_code = _requester_fiscal_code(certificate)
    if fiscal_code is None:
        return

    def text():
        title, holder = str(certificate.title), certificate.holder.full_name
        return (
            _("Certificato pronto: %(title)s") % {"title": title},
            _(
                "Il documento «%(title)s» di %(holder)s è pronto. Puoi scaricarlo ora e in ogni momento dalla "
                "sezione Certificati."
            )
            % {"title": title, "holder": holder},
            _("Scarica il certificato"),
        )

    sections.post_message(
        kind=sections.MessageKind.CERTIFICATE_READY,
        about=f"certificate:{certificate.pk}",
        fiscal_code=fiscal_code,
        text=text,
        link_url=reverse("certificates:pdf", args=[certificate.pk]),
    )


def announce_stamp_paid(sender, reference, receipt, **kwargs):
    """Receiver of ``payments.signals.stamp_paid`` (connected from ``apps.py`` when payments is
    installed): the stamp of a certificate is paid; the certificate follows in seconds."""
    if not reference.startswith(STAMP_REFERENCE_PREFIX):
        return
    certificate = (
        Certificate.objects.select_related("holder", "requested_by")
        .filter(pk=int(reference.removeprefix(STAMP_REFERENCE_PREFIX)))
        .first()
    )
    if certificate is None:
        return
    fiscal_code = _requester_fiscal_code(certificate)
    if fiscal_code is None:
        return

    def text():
        return (
            _("Marca da bollo pagata: %(title)s") % {"title": certificate.title},
            _(
                "Abbiamo ricevuto il pagamento dell'imposta di bollo per il documento «%(title)s» "
                "(ricevuta %(receipt)s). Il certificato sarà pronto tra pochi secondi: ti avviseremo con un "
                "altro messaggio."
            )
            % {"title": certificate.title, "receipt": receipt.receipt_id},
            _("Scarica la ricevuta"),
        )

    sections.post_message(
        kind=sections.MessageKind.STAMP_CONFIRMED,
        about=f"certificate:{certificate.pk}",
        fiscal_code=fiscal_code,
        text=text,
        link_url=reverse("payments:receipt_pdf", args=[receipt.pk]),
        email=False,  # the payments app emails the stamp's receipt to residents who opted in
    )
