"""The verification code printed on every document (*codice di verifica*): one function validates it."""

import base64
import re
import secrets

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CODE_LENGTH = 20  # base32, 100 bits: unguessable, and short enough to type from paper
_CODE_RE = re.compile(rf"[A-Z2-7]{{{CODE_LENGTH}}}")


def new_verification_code():
    return base64.b32encode(secrets.token_bytes(13)).decode()[:CODE_LENGTH]


def normalize_verification_code(value):
    """The canonical code for what a person typed (case, spaces, dashes ignored); else ``ValidationError``."""
    code = re.sub(r"[\s-]", "", str(value or "")).upper()
    if not _CODE_RE.fullmatch(code):
        raise ValidationError(_("Il codice di verifica non è valido."), code="invalid")
    return code


def display_verification_code(code):
    """The code in groups of four, as printed on the document."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))
