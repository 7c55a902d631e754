"""The certificate catalogue, after ANPR table 13 (*tipo di certificato*), built from sections.

A *section* is one certified fact (birth, residence, citizenship, …): it names the registry facts it
reads and says whether a person's data support it. A certificate type is a list of sections, so its
availability is theirs: the combined (*contestuale*) certificate is available when all its parts
are, and the self-declaration (*autocertificazione*) lets the resident pick sections directly.
"""

from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext_lazy as _

from registry.models import RESIDENCE_EVENTS, CivilStatus, RegistrationStatus
from registry.selectors import household_members

FREE_STATUSES = (
    CivilStatus.UNMARRIED,
    CivilStatus.WIDOWED,
    CivilStatus.DIVORCED,
    CivilStatus.FREE_AFTER_PARTNER_DEATH,
    CivilStatus.FREE_AFTER_UNION_DISSOLVED,
)


class RegistryFacts:
    """What the registry holds about one person, read once (a few queries) for every section."""

    def __init__(self, person):
        self.person = person

    @cached_property
    def membership(self):
        return self.person.current_membership()

    @cached_property
    def household_members(self):
        # The family the person is certified with: in a convivenza, only their own nucleus.
        return household_members(self.person) if self.membership is not None else []

    @cached_property
    def citizenships(self):
        return list(self.person.citizenships.filter(lost_on__isnull=True).order_by("country"))

    @cached_property
    def residence_events(self):
        return list(self.person.events.filter(kind__in=RESIDENCE_EVENTS).select_related("address").order_by("date"))

    @property
    def registered_here(self):
        return self.person.registration_status in (RegistrationStatus.RESIDENT, RegistrationStatus.AIRE)


NOT_REGISTERED = _("La persona non è iscritta nell'anagrafe di questo Comune.")


def _registered(facts):
    if not facts.person.is_alive:
        return False, _("La persona risulta deceduta.")
    if not facts.registered_here:
        return False, NOT_REGISTERED
    return True, ""


def _birth(facts):
    if not (facts.person.birth_date and facts.person.birth_place):
        return False, _("Mancano in anagrafe la data o il luogo di nascita.")
    return True, ""


def _residence(facts):
    if facts.person.registration_status == RegistrationStatus.AIRE:
        return False, _("La persona è iscritta all'AIRE: il certificato di residenza in Italia non è disponibile.")
    if facts.person.registration_status != RegistrationStatus.RESIDENT or facts.membership is None:
        return False, _("Non risulta una residenza attuale in questo Comune.")
    return True, ""


def _citizenship(facts):
    if not any(c.country == "IT" for c in facts.citizenships):
        return False, _("Il certificato attesta la cittadinanza italiana, che non risulta in anagrafe.")
    return True, ""


def _alive(facts):
    return True, ""  # _registered already requires a living person


def _civil_status(facts):
    if facts.person.civil_status == CivilStatus.UNKNOWN:
        return False, _("Lo stato civile non è registrato in anagrafe.")
    return True, ""


def _free_status(facts):
    if facts.person.civil_status not in FREE_STATUSES:
        return False, _(
            "Lo stato libero non risulta: la persona è coniugata, unita civilmente o di stato civile ignoto."
        )
    return True, ""


def _household(facts):
    if facts.person.registration_status != RegistrationStatus.RESIDENT or facts.membership is None:
        return False, _("La persona non fa parte di una famiglia anagrafica di questo Comune.")
    return True, ""


def _residence_history(facts):
    if not facts.residence_events:
        return False, _("In anagrafe non sono registrati eventi di residenza.")
    return True, ""


@dataclass(frozen=True)
class Section:
    key: str
    label: str
    needs: tuple  # the registry facts read, for the catalogue page and docs
    check: object = field(repr=False)

    def availability(self, facts):
        return self.check(facts)


SECTIONS = {
    s.key: s
    for s in (
        Section("birth", _("Nascita"), (_("data e luogo di nascita"),), _birth),
        Section("residence", _("Residenza"), (_("posizione anagrafica"), _("indirizzo attuale")), _residence),
        Section("citizenship", _("Cittadinanza"), (_("cittadinanze attuali"),), _citizenship),
        Section("alive", _("Esistenza in vita"), (_("data di morte assente"),), _alive),
        Section("civil_status", _("Stato civile"), (_("stato civile"), _("coniuge")), _civil_status),
        Section("free_status", _("Stato libero"), (_("stato civile"),), _free_status),
        Section("household", _("Stato di famiglia"), (_("famiglia anagrafica"), _("componenti")), _household),
        Section(
            "household_relationships",
            _("Rapporti di parentela"),
            (_("famiglia anagrafica"), _("relazione con l'intestatario")),
            _household,
        ),
        Section(
            "residence_history",
            _("Storico di residenza"),
            (_("eventi di nascita, immigrazione, cambio di indirizzo, emigrazione"),),
            _residence_history,
        ),
    )
}
SECTION_KEYS = tuple(SECTIONS)
# What a resident may put in a self-declaration (DPR 445/2000, art. 46).
SELF_DECLARATION_SECTIONS = ("birth", "residence", "citizenship", "alive", "civil_status", "free_status", "household")


@dataclass(frozen=True)
class CertificateKind:
    key: str
    anpr_code: int | None  # ANPR table 13; None for the combined form, which ANPR issues as a list of codes
    label: str
    sections: tuple

    @property
    def needs(self):
        return tuple(need for key in self.sections for need in SECTIONS[key].needs)

    def availability(self, person_or_facts):
        """``(available, reason)`` for this person: available only if every section is."""
        facts = person_or_facts if isinstance(person_or_facts, RegistryFacts) else RegistryFacts(person_or_facts)
        for check in (_registered, *(SECTIONS[key].availability for key in self.sections)):
            available, reason = check(facts)
            if not available:
                return False, reason
        return True, ""

    @property
    def shows_household(self):
        return "household" in self.sections or "household_relationships" in self.sections


CERTIFICATE_KINDS = {
    k.key: k
    for k in (
        CertificateKind("residenza", 8, _("Certificato di residenza"), ("residence",)),
        CertificateKind("stato_famiglia", 12, _("Certificato di stato di famiglia"), ("residence", "household")),
        CertificateKind(
            "stato_famiglia_parentela",
            16,
            _("Certificato di stato di famiglia con rapporti di parentela"),
            ("residence", "household_relationships"),
        ),
        CertificateKind(
            "stato_famiglia_stato_civile",
            13,
            _("Certificato di stato di famiglia e di stato civile"),
            ("residence", "civil_status", "household"),
        ),
        CertificateKind("nascita", 1, _("Certificato anagrafico di nascita"), ("birth",)),
        CertificateKind("cittadinanza", 5, _("Certificato di cittadinanza"), ("citizenship",)),
        CertificateKind("esistenza_in_vita", 7, _("Certificato di esistenza in vita"), ("alive",)),
        CertificateKind("stato_civile", 11, _("Certificato di stato civile"), ("civil_status",)),
        CertificateKind("stato_libero", 17, _("Certificato di stato libero"), ("free_status",)),
        CertificateKind("storico_residenza", 9, _("Certificato storico di residenza"), ("residence_history",)),
        CertificateKind(
            "contestuale",
            None,
            _("Certificato contestuale (nascita, residenza, cittadinanza, esistenza in vita, stato civile, famiglia)"),
            ("birth", "residence", "citizenship", "alive", "civil_status", "household"),
        ),
    )
}


@dataclass(frozen=True)
class CatalogueEntry:
    kind: CertificateKind
    available: bool
    reason: str


def catalogue_for(person):
    """Every certificate type with whether this person's data support it and, if not, why."""
    facts = RegistryFacts(person)
    return [CatalogueEntry(kind, *kind.availability(facts)) for kind in CERTIFICATE_KINDS.values()]


def self_declaration_sections_for(person):
    """The self-declaration sections with their availability for this person."""
    facts = RegistryFacts(person)
    registered = _registered(facts)
    entries = []
    for key in SELF_DECLARATION_SECTIONS:
        section = SECTIONS[key]
        available, reason = registered if not registered[0] else section.availability(facts)
        entries.append((section, available, reason))
    return entries
