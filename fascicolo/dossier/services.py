"""Writes for the area personale: each one checks ownership, runs in a transaction, and leaves
nothing half-written when it refuses."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage, send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fascicolo.identity.models import ResidentProfile
from fascicolo.identity.selectors import digital_notice_email
from fascicolo.identity.services import person_for_user
from fascicolo.outbox import services as outbox
from fascicolo.sections import MessageKind, message_texts
from registry.codicefiscale import normalize, validate_codice_fiscale
from registry.selectors import person_by_fiscal_code

from . import selectors
from .models import (
    RECTIFICATION_TRANSITIONS,
    Message,
    RectifiableDatum,
    RectificationRequest,
    RectificationStatus,
)

EMAIL_VERIFICATION_SALT = "dossier.email-verification"
EMAIL_VERIFICATION_MAX_AGE = timedelta(hours=48)
# One verification email a minute per resident: the form must not become a way to flood a mailbox.
EMAIL_VERIFICATION_COOLDOWN = timedelta(minutes=1)


# --- Messages --------------------------------------------------------------------------------------


def send_message(*, subject, body, recipient_person=None, recipient_fiscal_code="", sender=None):
    """Send a message to a resident's area personale (by registry person or by codice fiscale).

    The system (other apps, Celery tasks) calls this with no ``sender``; clerks write through the
    admin, which calls it with themselves as sender.
    """
    if recipient_person is None and not recipient_fiscal_code:
        raise ValidationError(_("Indicare il destinatario del messaggio."))
    if recipient_fiscal_code:
        recipient_fiscal_code = normalize(recipient_fiscal_code)
        validate_codice_fiscale(recipient_fiscal_code)
    message = Message(
        recipient_person=recipient_person,
        recipient_fiscal_code=recipient_fiscal_code,
        subject=subject.strip()[:200],
        body=body.strip(),
        sender=sender,
    )
    message.full_clean()
    message.save()
    return message


def deliver(*, kind, about, fiscal_code, texts, link_url="", email=True, sender=None):
    """The shell's mailbox (``fascicolo.sections.post_message``): store the message the portal owes the
    resident for one event, once. ``texts`` maps each language code to ``{"subject", "body",
    "link_label"}``; the Italian one (``settings.LANGUAGE_CODE``) is the message, the others its
    translations. With ``email``, a resident who chose digital notices (*Impostazioni*) also gets it
    by email, through the outbox in the same transaction (sent once, after the commit). Returns
    ``(message, created)``; ``created`` is ``False`` when the event had its message already (a signal
    or task that ran twice): nothing is stored or emailed again. ``ValidationError`` for a malformed
    codice fiscale."""
    fiscal_code = normalize(fiscal_code)
    validate_codice_fiscale(fiscal_code)
    original = texts[settings.LANGUAGE_CODE]
    with transaction.atomic():
        # get_or_create against the unique constraint (recipient, kind, about): of two concurrent
        # deliveries of the same event one inserts, the other finds its row.
        message, created = Message.objects.get_or_create(
            recipient_fiscal_code=fiscal_code,
            kind=kind,
            about=about,
            defaults={
                "recipient_person": person_by_fiscal_code(fiscal_code),
                "subject": original["subject"].strip()[:200],
                "body": original["body"].strip(),
                "link_url": link_url,
                "link_label": original.get("link_label", "")[:200],
                "translations": {code: text for code, text in texts.items() if code != settings.LANGUAGE_CODE},
                "sender": sender,
            },
        )
        if created and email and digital_notice_email(fiscal_code):
            outbox.record(MESSAGE_EMAIL, message.pk)
    return message, created


MESSAGE_EMAIL = "message"


def message_email(message_id):
    """The email of a message (outbox kind ``message``): Italian first, then each translation, with
    the absolute link; ``None`` once the resident no longer wants digital notices."""
    message = Message.objects.filter(pk=message_id).first()
    address = digital_notice_email(message.recipient_fiscal_code) if message else ""
    if not address:
        return None
    texts = [{"language": settings.LANGUAGE_CODE, "body": message.body, "link_label": message.link_label}]
    texts += [{"language": code, **text} for code, text in message.translations.items()]
    context = {"texts": texts, "link": settings.SITE_URL + message.link_url if message.link_url else ""}
    return EmailMessage(
        subject=message.subject,
        body=render_to_string("dossier/email/message.txt", context),
        to=[address],
    )


def mark_message_read(user, message_id):
    """Mark one of the resident's messages read; reading it again keeps the first reading time."""
    message = selectors.message_for(user, message_id)
    if message.read_at is None:
        # A conditional update: two tabs opening the same message record one reading time.
        selectors.messages_for(user).filter(pk=message.pk, read_at__isnull=True).update(read_at=timezone.now())
        message.refresh_from_db(fields=["read_at"])
    return message


# --- Correction requests --------------------------------------------------------------------------


def submit_rectification(user, *, datum, correct_value, note=""):
    person = person_for_user(user)
    if person is None:
        raise PermissionDenied(_("Solo chi è iscritto nell'anagrafe del Comune può chiedere una rettifica."))
    if datum not in RectifiableDatum.values:
        raise ValidationError({"datum": _("Scegli il dato da correggere.")})
    correct_value = (correct_value or "").strip()
    if not correct_value:
        raise ValidationError({"correct_value": _("Indica il valore corretto.")})
    request = RectificationRequest(
        person=person, requested_by=user, datum=datum, correct_value=correct_value, note=(note or "").strip()
    )
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def change_rectification_status(request, *, status, clerk, clerk_note=None):
    """A clerk moves a correction request along ``RECTIFICATION_TRANSITIONS``; nothing else is allowed."""
    locked = RectificationRequest.objects.select_for_update().get(pk=request.pk)
    current = RectificationStatus(locked.status)
    target = RectificationStatus(status)
    if target != current and target not in RECTIFICATION_TRANSITIONS[current]:
        raise ValidationError(
            _("Una richiesta «%(current)s» non può passare a «%(target)s».")
            % {"current": current.label, "target": target.label}
        )
    if target in (RectificationStatus.REJECTED,) and not (clerk_note or locked.clerk_note):
        raise ValidationError({"clerk_note": _("Spiega al cittadino perché la richiesta è respinta.")})
    locked.status = target
    locked.handled_by = clerk
    if clerk_note is not None:
        locked.clerk_note = clerk_note
    locked.save(update_fields=["status", "handled_by", "clerk_note", "updated_at"])
    if target != current:
        _answer_rectification(locked, target, clerk)
    return locked


def _answer_rectification(request, status, clerk):
    """The resident's message about a status change of their correction request (one per status)."""

    def text():
        return (
            _("Richiesta di rettifica: %(status)s") % {"status": status.label},
            _("La tua richiesta di rettifica del dato «%(datum)s» è ora «%(status)s».")
            % {"datum": request.get_datum_display(), "status": status.label}
            + (f"\n\n{request.clerk_note}" if request.clerk_note else ""),
            _("Vedi la richiesta"),
        )

    deliver(
        kind=MessageKind.RECTIFICATION_ANSWERED,
        about=f"rectification:{request.pk}:{status.value}",
        fiscal_code=request.person.fiscal_code,
        texts=message_texts(text),
        link_url=reverse("dossier:rectification_detail", args=[request.pk]),
        sender=clerk,
    )


# --- Settings ---------------------------------------------------------------------------------------


def _profile(user):
    profile, _created = ResidentProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def update_preferences(user, *, digital_notices=None, language=None):
    profile = _profile(user)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": _("Lingua non disponibile.")})
        profile.language = language
    if digital_notices is not None:
        if digital_notices and not profile.email:
            raise ValidationError(
                {"digital_notices": _("Per ricevere gli avvisi per email verifica prima un indirizzo email.")}
            )
        profile.digital_notices = bool(digital_notices)
    profile.save()
    return profile


def email_verification_token(user, email):
    return signing.dumps({"u": user.pk, "e": email}, salt=EMAIL_VERIFICATION_SALT, compress=True)


@transaction.atomic
def request_email_change(user, email):
    """Remember the new address as pending and send it a signed link that expires.

    The verified address (and the registry's own) stay as they are until the link is followed.
    """
    email = (email or "").strip()
    validate_email(email)
    profile = ResidentProfile.objects.select_for_update().filter(pk=_profile(user).pk).get()
    if profile.pending_email_sent_at and timezone.now() - profile.pending_email_sent_at < EMAIL_VERIFICATION_COOLDOWN:
        raise ValidationError(
            {"email": _("Ti abbiamo appena inviato un link: attendi un minuto prima di chiederne un altro.")}
        )
    profile.pending_email = email
    profile.pending_email_sent_at = timezone.now()
    profile.save(update_fields=["pending_email", "pending_email_sent_at", "updated_at"])
    link = settings.SITE_URL + reverse("dossier:verify_email", args=[email_verification_token(user, email)])
    language = profile.language or translation.get_language()
    transaction.on_commit(lambda: _send_verification_email(email, link, language))
    return profile


def _send_verification_email(email, link, language):
    with translation.override(language):
        context = {"link": link, "hours": int(EMAIL_VERIFICATION_MAX_AGE.total_seconds() // 3600)}
        send_mail(
            subject=_("Conferma il tuo indirizzo email"),
            message=render_to_string("dossier/email/verify_email.txt", context),
            from_email=None,
            recipient_list=[email],
        )


class EmailVerificationError(ValueError):
    pass


@transaction.atomic
def verify_email(user, token):
    """Follow a verification link: the pending address becomes the verified contact email."""
    try:
        data = signing.loads(token, salt=EMAIL_VERIFICATION_SALT, max_age=EMAIL_VERIFICATION_MAX_AGE.total_seconds())
    except signing.SignatureExpired as exc:
        raise EmailVerificationError(_("Il link è scaduto: chiedi un nuovo link da Impostazioni.")) from exc
    except signing.BadSignature as exc:
        raise EmailVerificationError(_("Il link non è valido.")) from exc
    if data.get("u") != user.pk:
        raise EmailVerificationError(_("Il link è stato inviato a un altro utente: accedi con la tua identità."))
    profile = ResidentProfile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.pending_email != data.get("e"):
        if profile is not None and profile.email == data.get("e"):
            return profile  # the link was followed twice: nothing more to do
        raise EmailVerificationError(_("Il link non corrisponde più all'indirizzo in attesa di verifica."))
    profile.email = profile.pending_email
    profile.email_verified_at = timezone.now()
    profile.pending_email = ""
    profile.pending_email_sent_at = None
    profile.save()
    return profile
