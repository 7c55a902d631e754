"""The resident register (*anagrafe*), modelled on ANPR.

A ``Person`` belongs to at most one current ``Household`` (*famiglia anagrafica* or *convivenza*)
through a ``Membership`` that carries the ANPR relationship to the head (table 5). Memberships,
residences and civil-status changes keep their dates, and ``RegistryEvent`` records what happened
when, so that historical certificates (*storico di residenza*, *storico di cittadinanza*) can be
produced from the data without a schema change. Codes follow the ANPR tables named on each field.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from .codicefiscale import MESSAGES, InvalidCodiceFiscale, parse_codice_fiscale, validate_codice_fiscale
from .names import clean_name, name_search_key, validate_person_name, validate_place_name


class Sex(models.TextChoices):
    MALE = "M", _("Maschio")
    FEMALE = "F", _("Femmina")


class CivilStatus(models.IntegerChoices):
    """ANPR table 1 (*stato civile*)."""

    UNMARRIED = 1, _("Celibe/Nubile")
    MARRIED = 2, _("Coniugato/a")
    WIDOWED = 3, _("Vedovo/a")
    DIVORCED = 4, _("Divorziato/a")
    CIVIL_UNION = 6, _("Unito civilmente")
    FREE_AFTER_PARTNER_DEATH = 7, _("Stato libero a seguito di decesso della parte unita civilmente")
    FREE_AFTER_UNION_DISSOLVED = 8, _("Stato libero a seguito di scioglimento dell'unione")
    UNKNOWN = 9, _("Non classificabile")


class RegistrationStatus(models.TextChoices):
    """Where the person stands in this municipality's register."""

    RESIDENT = "resident", _("Residente")
    AIRE = "aire", _("Residente all'estero (AIRE)")
    EMIGRATED = "emigrated", _("Emigrato")
    DECEASED = "deceased", _("Deceduto")
    UNTRACEABLE = "untraceable", _("Cancellato per irreperibilità")


class Relationship(models.IntegerChoices):
    """ANPR table 5 (*relazione di parentela*): the member's relationship to the head."""

    HEAD = 1, _("Intestatario scheda")
    SPOUSE = 2, _("Marito/Moglie")
    CHILD = 3, _("Figlio/Figlia")
    GRANDCHILD = 4, _("Nipote (discendente)")
    GREAT_GRANDCHILD = 5, _("Pronipote (discendente)")
    PARENT = 6, _("Padre/Madre")
    GRANDPARENT = 7, _("Nonno/Nonna")
    GREAT_GRANDPARENT = 8, _("Bisnonno/Bisnonna")
    SIBLING = 9, _("Fratello/Sorella")
    NEPHEW = 10, _("Nipote (collaterale)")
    UNCLE = 11, _("Zio/Zia (collaterale)")
    COUSIN = 12, _("Cugino/Cugina")
    OTHER_RELATIVE = 13, _("Altro parente")
    STEPCHILD = 14, _("Figliastro/Figliastra")
    STEPPARENT = 15, _("Patrigno/Matrigna")
    CHILD_IN_LAW = 16, _("Genero/Nuora")
    PARENT_IN_LAW = 17, _("Suocero/Suocera")
    SIBLING_IN_LAW = 18, _("Cognato/Cognata")
    HALF_SIBLING = 19, _("Fratellastro/Sorellastra")
    NEPHEW_IN_LAW = 20, _("Nipote (affine)")
    UNCLE_IN_LAW = 21, _("Zio/Zia (affine)")
    OTHER_IN_LAW = 22, _("Altro affine")
    COHABITANT = 23, _("Convivente (con vincoli di adozione o affettivi)")
    COHABITATION_HEAD = 24, _("Responsabile della convivenza non affettiva")
    COHABITATION_MEMBER = 25, _("Convivente in convivenza non affettiva")
    GUARDIAN = 26, _("Tutore")
    CIVIL_PARTNER = 28, _("Unito civilmente")
    ADOPTED = 80, _("Adottato")
    GRANDCHILD_OTHER = 81, _("Nipote")
    UNDEFINED = 99, _("Non definito/comunicato")


HEAD_RELATIONSHIPS = (Relationship.HEAD, Relationship.COHABITATION_HEAD)


class HouseholdKind(models.TextChoices):
    FAMILY = "family", _("Famiglia anagrafica")
    COHABITATION = "cohabitation", _("Convivenza")


class CohabitationKind(models.IntegerChoices):
    """ANPR table 27 (*specie della convivenza*)."""

    RELIGIOUS = 1, _("Motivi religiosi")
    CARE = 2, _("Di cura")
    ASSISTANCE = 3, _("Di assistenza")
    MILITARY = 4, _("Militari")
    DETENTION = 5, _("Di pena")
    OTHER = 6, _("Altri")


class Address(models.Model):
    """A residential address (*indirizzo*): toponym, street, civic number, municipality."""

    toponym = models.CharField(
        _("specie (DUG)"), max_length=30, help_text=_("Via, Piazza, Corso…"), validators=[validate_place_name]
    )
    street = models.CharField(_("denominazione"), max_length=200, validators=[validate_place_name])
    civic_number = models.CharField(_("numero civico"), max_length=10)
    civic_suffix = models.CharField(_("esponente"), max_length=10, blank=True)
    staircase = models.CharField(_("scala"), max_length=10, blank=True)
    interior = models.CharField(_("interno"), max_length=10, blank=True)
    postal_code = models.CharField(_("CAP"), max_length=5)
    municipality_name = models.CharField(_("comune"), max_length=100, validators=[validate_place_name])
    municipality_istat = models.CharField(_("codice ISTAT"), max_length=6)
    municipality_belfiore = models.CharField(_("codice catastale"), max_length=4)
    province = models.CharField(_("provincia"), max_length=2, blank=True)

    class Meta:
        verbose_name = _("indirizzo")
        verbose_name_plural = _("indirizzi")
        indexes = [models.Index(fields=["street", "civic_number"], name="address_street_idx")]

    def __str__(self):
        civic = f"{self.civic_number}{('/' + self.civic_suffix) if self.civic_suffix else ''}"
        return f"{self.toponym} {self.street} {civic}, {self.postal_code} {self.municipality_name}"

    def save(self, *args, **kwargs):
        self.toponym, self.street = clean_name(self.toponym), clean_name(self.street)
        self.municipality_name = clean_name(self.municipality_name)
        super().save(*args, **kwargs)


class Household(models.Model):
    """A *famiglia anagrafica* or a *convivenza*, registered at one address."""

    code = models.CharField(_("codice famiglia"), max_length=20, unique=True)
    kind = models.CharField(_("tipo"), max_length=20, choices=HouseholdKind.choices, default=HouseholdKind.FAMILY)
    cohabitation_kind = models.PositiveSmallIntegerField(
        _("specie della convivenza"), choices=CohabitationKind.choices, null=True, blank=True
    )
    name = models.CharField(
        _("denominazione della convivenza"), max_length=200, blank=True, validators=[validate_place_name]
    )
    address = models.ForeignKey(
        Address, on_delete=models.PROTECT, related_name="households", verbose_name=_("indirizzo")
    )
    formed_on = models.DateField(_("data di costituzione"))
    dissolved_on = models.DateField(_("data di cessazione"), null=True, blank=True)

    class Meta:
        verbose_name = _("famiglia anagrafica")
        verbose_name_plural = _("famiglie anagrafiche")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=HouseholdKind.FAMILY, cohabitation_kind__isnull=True)
                | Q(kind=HouseholdKind.COHABITATION, cohabitation_kind__isnull=False),
                name="household_cohabitation_kind_only_for_cohabitations",
            ),
        ]

    def __str__(self):
        return self.name or self.code


class Person(models.Model):
    """A person in the register: resident, resident abroad (AIRE), or formerly resident."""

    anpr_id = models.CharField(_("identificativo ANPR"), max_length=20, unique=True, null=True, blank=True)
    fiscal_code = models.CharField(
        _("codice fiscale"), max_length=16, unique=True, validators=[validate_codice_fiscale]
    )
    given_name = models.CharField(_("nome"), max_length=100, validators=[validate_person_name])
    family_name = models.CharField(_("cognome"), max_length=100, validators=[validate_person_name])
    # The names as search compares them (registry.names.name_search_key), kept by save() and by
    # every bulk writer (importer, seeding) so that stored and searched names are normalised alike.
    given_name_key = models.CharField(max_length=100, editable=False, default="")
    family_name_key = models.CharField(max_length=100, editable=False, default="")
    sex = models.CharField(_("sesso"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("data di nascita"))
    birth_place = models.CharField(_("luogo di nascita"), max_length=100, validators=[validate_place_name])
    birth_place_code = models.CharField(
        _("codice catastale del luogo di nascita"), max_length=4, help_text=_("Codice Belfiore; Z… per l'estero")
    )
    birth_province = models.CharField(_("provincia di nascita"), max_length=2, blank=True)
    # ISO 3166-1 alpha-2 code, shown by name (django-countries).
    birth_country = CountryField(_("stato di nascita"), default="IT")
    civil_status = models.PositiveSmallIntegerField(
        _("stato civile"), choices=CivilStatus.choices, default=CivilStatus.UNMARRIED
    )
    civil_status_date = models.DateField(_("data dello stato civile"), null=True, blank=True)
    spouse = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("coniuge o parte dell'unione civile"),
    )
    registration_status = models.CharField(
        _("posizione anagrafica"),
        max_length=20,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.RESIDENT,
    )
    death_date = models.DateField(_("data di morte"), null=True, blank=True)
    death_place = models.CharField(_("luogo di morte"), max_length=100, blank=True, validators=[validate_place_name])
    email = models.EmailField(_("email di contatto"), blank=True)
    created_at = models.DateTimeField(_("creato il"), auto_now_add=True)
    updated_at = models.DateTimeField(_("aggiornato il"), auto_now=True)

    class Meta:
        verbose_name = _("persona")
        verbose_name_plural = _("persone")
        indexes = [
            # Clerks search by name as typed ("rossi mar"): family_name_key LIKE 'ROSSI%' AND
            # given_name_key LIKE 'MAR%'. The index serving it, person_name_prefix_idx, is
            # created by migration 0004 and not declared here, because on PostgreSQL it needs the
            # text_pattern_ops operator class (LIKE cannot use a collation-ordered btree), which
            # SQLite does not know. See registry/selectors.py.
            models.Index(fields=["birth_date"], name="person_birth_date_idx"),
            models.Index(fields=["registration_status"], name="person_status_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(registration_status=RegistrationStatus.DECEASED) | Q(death_date__isnull=False),
                name="person_deceased_has_death_date",
            ),
            models.CheckConstraint(condition=~Q(spouse=models.F("id")), name="person_not_own_spouse"),
        ]

    def __str__(self):
        return f"{self.family_name} {self.given_name} ({self.fiscal_code})"

    def save(self, *args, **kwargs):
        self.normalise_names()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and {"given_name", "family_name"} & set(update_fields):
            # The keys follow the names they are made from.
            kwargs["update_fields"] = {*update_fields, "given_name_key", "family_name_key"}
        super().save(*args, **kwargs)

    def normalise_names(self):
        """Store names and places in their clean form, with the names' search keys (``registry.names``);
        ``save`` calls it, and so must every writer that bypasses ``save`` (``bulk_create``)."""
        self.given_name, self.family_name = clean_name(self.given_name), clean_name(self.family_name)
        self.birth_place, self.death_place = clean_name(self.birth_place), clean_name(self.death_place)
        self.given_name_key, self.family_name_key = name_search_key(self.given_name), name_search_key(self.family_name)
        return self

    def clean(self):
        """The codice fiscale agrees with the real birth date (year modulo 100, month, day) and sex."""
        super().clean()
        if not (self.fiscal_code and self.birth_date and self.sex):
            return
        try:
            parse_codice_fiscale(self.fiscal_code, birth_date=self.birth_date, sex=self.sex)
        except InvalidCodiceFiscale as exc:
            if exc.code == "birth_data":
                error = ValidationError(MESSAGES["birth_data"], code="codice_fiscale_birth_data")
                raise ValidationError({"fiscal_code": error}) from exc

    @property
    def full_name(self):
        return f"{self.given_name} {self.family_name}"

    @property
    def is_alive(self):
        return self.death_date is None

    def current_membership(self):
        return self.memberships.filter(ended_on__isnull=True).select_related("household__address").first()


class FiscalCodeAlias(models.Model):
    """A codice fiscale the person held before (omocodia, corrections), so old codes still match."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="fiscal_code_aliases", verbose_name=_("persona")
    )
    fiscal_code = models.CharField(_("codice fiscale precedente"), max_length=16, unique=True)
    replaced_on = models.DateField(_("sostituito il"))

    class Meta:
        verbose_name = _("codice fiscale precedente")
        verbose_name_plural = _("codici fiscali precedenti")

    def __str__(self):
        return self.fiscal_code


class Citizenship(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="citizenships", verbose_name=_("persona"))
    country = CountryField(_("cittadinanza"))  # ISO 3166-1 alpha-2 code, shown by name
    acquired_on = models.DateField(_("acquisita il"), null=True, blank=True)
    lost_on = models.DateField(_("persa il"), null=True, blank=True)

    class Meta:
        verbose_name = _("cittadinanza")
        verbose_name_plural = _("cittadinanze")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "country"], condition=Q(lost_on__isnull=True), name="citizenship_current_unique"
            ),
        ]

    def __str__(self):
        return str(self.country.name or self.country.code)


class DocumentKind(models.TextChoices):
    CIE = "cie", _("Carta d'identità elettronica")
    PAPER_ID = "ci", _("Carta d'identità cartacea")
    PASSPORT = "passport", _("Passaporto")
    DRIVING_LICENCE = "licence", _("Patente di guida")


class IdentityDocument(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="documents", verbose_name=_("persona"))
    kind = models.CharField(_("tipo"), max_length=10, choices=DocumentKind.choices)
    number = models.CharField(_("numero"), max_length=20)
    issued_by = models.CharField(_("rilasciato da"), max_length=100)
    issued_on = models.DateField(_("data di rilascio"))
    expires_on = models.DateField(_("data di scadenza"))

    class Meta:
        verbose_name = _("documento di identità")
        verbose_name_plural = _("documenti di identità")
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="document_kind_number_unique")]
        constraints.append(
            models.CheckConstraint(condition=Q(expires_on__gt=models.F("issued_on")), name="document_dates_order")
        )

    def __str__(self):
        return f"{self.get_kind_display()} {self.number}"


class Membership(models.Model):
    """A person's membership of a household over a period, with their relationship to the head."""

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("famiglia anagrafica")
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("persona"))
    relationship = models.PositiveSmallIntegerField(_("relazione con l'intestatario"), choices=Relationship.choices)
    started_on = models.DateField(_("dal"))
    ended_on = models.DateField(_("al"), null=True, blank=True)

    class Meta:
        verbose_name = _("componente")
        verbose_name_plural = _("componenti")
        constraints = [
            # A person belongs to one household at a time.
            models.UniqueConstraint(
                fields=["person"], condition=Q(ended_on__isnull=True), name="membership_one_current_per_person"
            ),
            # A household has one head at a time (intestatario or responsabile della convivenza).
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(ended_on__isnull=True, relationship__in=[r.value for r in HEAD_RELATIONSHIPS]),
                name="membership_one_current_head",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="membership_dates_order",
            ),
        ]
        indexes = [models.Index(fields=["household", "ended_on"], name="membership_household_idx")]

    def __str__(self):
        return f"{self.person} — {self.get_relationship_display()}"


class EventKind(models.TextChoices):
    BIRTH = "birth", _("Nascita")
    IMMIGRATION = "immigration", _("Immigrazione")
    EMIGRATION = "emigration", _("Emigrazione")
    ADDRESS_CHANGE = "address_change", _("Cambio di indirizzo")
    MARRIAGE = "marriage", _("Matrimonio")
    CIVIL_UNION = "civil_union", _("Unione civile")
    DIVORCE = "divorce", _("Divorzio")
    UNION_DISSOLVED = "union_dissolved", _("Scioglimento dell'unione civile")
    WIDOWHOOD = "widowhood", _("Vedovanza")
    DEATH = "death", _("Morte")
    AIRE_REGISTRATION = "aire_registration", _("Iscrizione AIRE")
    CITIZENSHIP_ACQUIRED = "citizenship_acquired", _("Acquisto della cittadinanza")
    HOUSEHOLD_CHANGE = "household_change", _("Variazione della famiglia")


# Events that start or change where a person lives; the *storico di residenza* is made of these.
RESIDENCE_EVENTS = (
    EventKind.BIRTH,
    EventKind.IMMIGRATION,
    EventKind.ADDRESS_CHANGE,
    EventKind.EMIGRATION,
    EventKind.AIRE_REGISTRATION,
)


class RegistryEvent(models.Model):
    """Something that happened to a person on a date, as recorded by the registry office."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="events", verbose_name=_("persona"))
    kind = models.CharField(_("tipo"), max_length=30, choices=EventKind.choices)
    date = models.DateField(_("data dell'evento"))
    address = models.ForeignKey(
        Address,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("indirizzo"),
        help_text=_("Il nuovo indirizzo per nascita, immigrazione e cambio di indirizzo"),
    )
    other_municipality = models.CharField(_("comune o stato di provenienza/destinazione"), max_length=100, blank=True)
    other_municipality_code = models.CharField(_("codice catastale"), max_length=4, blank=True)
    related_person = models.ForeignKey(
        Person,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("persona collegata"),
        help_text=_("Il coniuge o la parte dell'unione civile"),
    )
    notes = models.TextField(_("note"), blank=True)
    recorded_at = models.DateTimeField(_("registrato il"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registrato da"),
    )

    class Meta:
        verbose_name = _("evento anagrafico")
        verbose_name_plural = _("eventi anagrafici")
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["person", "date"], name="event_person_date_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.date:%d/%m/%Y}"
