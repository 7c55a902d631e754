"""Helpers shared by tests."""

import email
import socket
from contextlib import contextmanager

from fascicolo.identity.backends.base import VerifiedIdentity
from fascicolo.identity.loa import SESSION_LOA_KEY, LoA
from fascicolo.identity.services import account_for_identity


def login_resident(client, person_or_fiscal_code, level=LoA.L2, backend_id="test"):
    """Sign a Django test client in as a resident at a level of assurance, as a strong login would.

    Accepts a ``registry.Person`` or a bare codice fiscale (someone not in the registry). Browser
    tests log in through the demo identity provider instead.
    """
    if isinstance(person_or_fiscal_code, str):
        identity = VerifiedIdentity(person_or_fiscal_code, "Test", "Test", None, LoA(level), backend_id, "sub")
    else:
        person = person_or_fiscal_code
        identity = VerifiedIdentity(
            person.fiscal_code, person.given_name, person.family_name, person.birth_date, LoA(level), backend_id,
            f"sub-{person.pk}",
        )  # fmt: skip
    user = account_for_identity(identity)
    client.force_login(user)
    session = client.session
    session[SESSION_LOA_KEY] = int(level)
    session.save()
    return user


def opt_in(client, fiscal_code, address):
    """Sign ``client`` in as the resident and choose digital notices with a verified ``address``."""
    from django.apps import apps
    from django.utils import timezone

    user = login_resident(client, fiscal_code)
    apps.get_model("identity", "ResidentProfile").objects.update_or_create(
        user=user, defaults={"email": address, "email_verified_at": timezone.now(), "digital_notices": True}
    )
    return user


class SmtpInbox:
    """What a real SMTP server on loopback (aiosmtpd) received: ``messages`` of (recipients, message)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@contextmanager
def smtp_server():
    """A real SMTP server on a free loopback port: yields (inbox, port)."""
    from aiosmtpd.controller import Controller

    inbox = SmtpInbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()
