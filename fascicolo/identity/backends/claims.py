"""Which claims carry a resident's attributes, and in which format: configuration of each backend.

SPID and CIE (OpenID Connect) name the fiscal number ``https://attributes.eid.gov.it/fiscal_number``
and give it as ``TINIT-<codice fiscale>`` (the ETSI EN 319 412-1 natural-person identifier); the
names and birth data are the standard claims ``given_name``, ``family_name``, ``birthdate``
(``YYYY-MM-DD``) and ``place_of_birth`` (``{"locality": <Belfiore code>, "region": <province>}``)
(spid-cie-oidc-docs, "Attributi utente"). Brokers that re-expose SPID through generic OpenID Connect
use other names (a ``nin`` claim) or another spelling of the prefix (``tinit-``): a backend names
them in its configuration. A value in a format the backend was not told about is refused, never
guessed at.
"""

from dataclasses import dataclass, fields
from datetime import date

from registry.codicefiscale import InvalidCodiceFiscale, parse_codice_fiscale

SPID_FISCAL_NUMBER_CLAIM = "https://attributes.eid.gov.it/fiscal_number"
TINIT_PREFIX = "TINIT-"
# How the fiscal number claim's value is spelled:
#   tinit           "TINIT-RSSMRA80A01H501U" exactly (SPID, CIE);
#   tinit-any-case  the same prefix in any case ("tinit-…", some brokers);
#   bare            the code alone, no prefix.
FISCAL_NUMBER_FORMATS = ("tinit", "tinit-any-case", "bare")


class ClaimProblem(Exception):
    """An attribute that is missing or unreadable. ``reason`` is a login-failure reason code
    (``fiscal_number_missing``, ``fiscal_number_format``, ``fiscal_number_invalid``,
    ``attribute_invalid:<claim>``); ``detail`` is for the log only."""

    def __init__(self, reason, detail="", *, fiscal_code=""):
        self.reason, self.detail, self.fiscal_code = reason, detail, fiscal_code
        super().__init__(f"{reason}: {detail}")


@dataclass(frozen=True)
class Attributes:
    """What the portal reads from a provider's claims. ``birth_place`` is a Belfiore code or ``""``."""

    fiscal_code: str
    given_name: str
    family_name: str
    birth_date: date | None
    birth_place: str


@dataclass(frozen=True)
class ClaimMapping:
    """Claim names (and the fiscal number's format) of one backend; defaults are SPID/CIE's."""

    fiscal_number: str = SPID_FISCAL_NUMBER_CLAIM
    fiscal_number_format: str = "tinit"
    given_name: str = "given_name"
    family_name: str = "family_name"
    birth_date: str = "birthdate"
    birth_place: str = "place_of_birth"

    @classmethod
    def from_config(cls, config):
        """From a backend's configuration entry: keys ``<field>_claim`` and ``fiscal_number_format``."""
        values = {field.name: config.get(f"{field.name}_claim") for field in fields(cls)}
        values["fiscal_number_format"] = config.get("fiscal_number_format")
        return cls(**{name: value for name, value in values.items() if value})

    def problems(self):
        """Configuration errors, as sentences."""
        if self.fiscal_number_format not in FISCAL_NUMBER_FORMATS:
            return [
                f"fiscal_number_format {self.fiscal_number_format!r} is not one of {', '.join(FISCAL_NUMBER_FORMATS)}"
            ]
        return []

    def requested(self):
        """The claims to ask for, in the order the portal needs them."""
        return (self.fiscal_number, self.given_name, self.family_name, self.birth_date, self.birth_place)

    def read(self, claims):
        """``Attributes`` from a provider's claims (a dict); ``ClaimProblem`` when they do not fit."""
        return Attributes(
            fiscal_code=self.fiscal_code(claims.get(self.fiscal_number)),
            given_name=self._text(claims, self.given_name),
            family_name=self._text(claims, self.family_name),
            birth_date=self._birth_date(claims.get(self.birth_date)),
            birth_place=self._birth_place(claims.get(self.birth_place)),
        )

    def fiscal_code(self, value):
        """The validated codice fiscale in the fiscal number claim's ``value``."""
        if value is None or value == "":
            raise ClaimProblem("fiscal_number_missing", f"no {self.fiscal_number!r} claim")
        if not isinstance(value, str):
            raise ClaimProblem("fiscal_number_format", f"{self.fiscal_number!r} is a {type(value).__name__}")
        prefix, code = value[: len(TINIT_PREFIX)], value[len(TINIT_PREFIX) :]
        if self.fiscal_number_format == "tinit":
            accepted = prefix == TINIT_PREFIX
        elif self.fiscal_number_format == "tinit-any-case":
            accepted = prefix.upper() == TINIT_PREFIX
        else:
            accepted, code = "-" not in value, value
        if not accepted:
            # The value's first characters say enough to fix the configuration without logging the code.
            raise ClaimProblem(
                "fiscal_number_format",
                f"{self.fiscal_number!r} starts with {value[:6]!r}, expected format {self.fiscal_number_format!r}",
            )
        try:
            return parse_codice_fiscale(code).code
        except InvalidCodiceFiscale as exc:
            raise ClaimProblem("fiscal_number_invalid", exc.code, fiscal_code=code[:16]) from exc

    @staticmethod
    def _text(claims, name):
        value = claims.get(name)
        if value is None:
            return ""
        if not isinstance(value, str):
            raise ClaimProblem(f"attribute_invalid:{name}", f"{name!r} is a {type(value).__name__}")
        return value.strip()

    def _birth_date(self, value):
        if value is None or value == "":
            return None
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise ClaimProblem(f"attribute_invalid:{self.birth_date}", f"{value!r} is not YYYY-MM-DD") from exc

    def _birth_place(self, value):
        # SPID/CIE: {"locality": "H501", "region": "RM"}; some providers send the code alone.
        if isinstance(value, dict):
            value = value.get("locality")
        if value is None or value == "":
            return ""
        if not isinstance(value, str):
            raise ClaimProblem(f"attribute_invalid:{self.birth_place}", f"locality is a {type(value).__name__}")
        return value.strip()
