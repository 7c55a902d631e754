"""Levels of assurance: SPID L1 < L2 < L3, and their CIE / eIDAS equivalents (docs/domain.md §2.1)."""

from enum import IntEnum

SESSION_LOA_KEY = "identity.loa"


class LoA(IntEnum):
    L1 = 1  # SPID L1, CIE "basso", eIDAS low
    L2 = 2  # SPID L2, CIE "significativo", eIDAS substantial
    L3 = 3  # SPID L3, CIE "alto", eIDAS high

    @property
    def acr(self):
        """The SPID/CIE ``acr`` (OIDC) and ``AuthnContextClassRef`` (SAML) value."""
        return f"https://www.spid.gov.it/SpidL{self.value}"

    @property
    def eidas(self):
        return ("http://eidas.europa.eu/LoA/low", "http://eidas.europa.eu/LoA/substantial",
                "http://eidas.europa.eu/LoA/high")[self.value - 1]  # fmt: skip

    @classmethod
    def from_acr(cls, value):
        """The level an ``acr`` names; ``ValueError`` for anything else."""
        for level in cls:
            if value in (level.acr, level.eidas, f"urn:oasis:names:tc:SAML:2.0:ac:classes:SpidL{level.value}"):
                return level
        raise ValueError(f"unknown level of assurance: {value!r}")


def session_loa(request):
    """The level the current session was authenticated at, or ``None``."""
    value = request.session.get(SESSION_LOA_KEY)
    return LoA(value) if value else None
