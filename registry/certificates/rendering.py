"""What goes on the page: the template context for a certificate or self-declaration, and the PDF.

The person's data are read from the registry when the document is rendered (seconds after the
request), so the document certifies the register as it is at issue time.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from fascicolo.documents import qr_data_uri, render_pdf, seal_pdf

from .catalogue import CERTIFICATE_KINDS, SECTIONS, RegistryFacts
from .codes import display_verification_code
from .models import DocumentKind

COUNTRY_NAMES = {"IT": "italiana"}  # citizenship adjectives; other countries print their ISO code


def verification_url(code):
    return settings.SITE_URL + reverse("certificates_public:verify", args=[code])


def stamp_text(certificate):
    if certificate.document_kind == DocumentKind.SELF_DECLARATION:
        return "Esente dall'imposta di bollo (art. 37 DPR 445/2000)."
    if certificate.is_exempt:
        reason = certificate.get_exemption_display()
        if certificate.exemption_description:
            reason = f"{reason}: {certificate.exemption_description}"
        return f"Esente dall'imposta di bollo — {reason}."
    euros = f"{certificate.stamp_duty_cents // 100},{certificate.stamp_duty_cents % 100:02d}"
    return (
        f"Imposta di bollo di € {euros} assolta in modo virtuale tramite pagoPA (@e.bollo), "
        "con marca da bollo digitale legata all'impronta di questo documento."
    )


def document_context(certificate):
    person = certificate.holder
    facts = RegistryFacts(person)
    issued = timezone.localtime(certificate.issued_at or timezone.now())
    code = certificate.verification_code
    context = {
        "certificate": certificate,
        "kind": CERTIFICATE_KINDS.get(certificate.kind),
        "sections": [SECTIONS[key] for key in certificate.section_keys()],
        "section_keys": certificate.section_keys(),
        "person": person,
        "facts": facts,
        "membership": facts.membership,
        "address": facts.membership.household.address if facts.membership else None,
        "members": facts.household_members,
        "citizenships": [COUNTRY_NAMES.get(c.country, c.country) for c in facts.citizenships],
        "residence_events": facts.residence_events,
        "municipality": settings.MUNICIPALITY,
        "issue_date": issued.date(),
        "issue_place": settings.MUNICIPALITY["name"].removeprefix("Comune di ").strip(),
        "verification_code": display_verification_code(code),
        "stamp_text": stamp_text(certificate),
    }
    if certificate.document_kind == DocumentKind.CERTIFICATE:
        url = verification_url(code)
        context.update(verification_url=url, qr=qr_data_uri(url))
    return context


def build_pdf(certificate):
    """The finished document: rendered, and sealed when it is a certificate (the municipality certifies
    it); a self-declaration is the resident's own statement, so it carries no seal of the municipality."""
    with translation.override(certificate.language or "it"):
        if certificate.document_kind == DocumentKind.SELF_DECLARATION:
            return render_pdf("certificates/pdf/self_declaration.html", document_context(certificate))
        pdf = render_pdf("certificates/pdf/certificate.html", document_context(certificate))
    return seal_pdf(pdf, reason=f"Certificato anagrafico {display_verification_code(certificate.verification_code)}")
