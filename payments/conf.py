"""Payment settings with their defaults, read in one place (each comes from an environment variable
in fascicolo/settings.py and has a line in the README)."""

from django.conf import settings

# Taxonomy codes (docs/domain.md §1.5). TARI and fines are confirmed in pagoPA's taxonomy.csv; the others
# are placeholders a municipality replaces with the codes assigned to its own services.
DEFAULT_TAXONOMY = {
    "TARI": "9/0101101IM/",
    "FINE": "9/0102100SA/",
    "CANTEEN": "9/0201102SP/",
    "STAMP": "9/0301109AP/",
    "OTHER": "9/0101108TS/",
}


# The digital stamp (*marca da bollo digitale*, @e.bollo) is paid to the Agenzia delle Entrate, not to
# the municipality that sells it: its transfer's beneficiary (fiscal code of the Agenzia, as on its
# site agenziaentrate.gov.it), so the stamp never appears in the municipality's reporting flows.
STAMP_BENEFICIARY_FISCAL_CODE = "06363391001"


def segregation_code():
    return settings.PAGOPA_SEGREGATION_CODE


def municipality_fiscal_code():
    return settings.MUNICIPALITY["fiscal_code"]


def municipality_iban():
    return settings.PAGOPA_MUNICIPALITY_IBAN


def taxonomy(category):
    return DEFAULT_TAXONOMY[category]
