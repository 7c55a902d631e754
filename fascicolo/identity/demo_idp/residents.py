"""The residents the demo provider offers to log in as."""

from registry.models import Person

LISTED = 12


def demo_residents():
    """The registry's demo residents (``registry.seeding.DEMO_RESIDENTS`` when the seeding module
    defines them), else the first people by family name."""
    try:
        from registry.seeding import DEMO_RESIDENTS
    except ImportError:
        DEMO_RESIDENTS = None
    if DEMO_RESIDENTS:
        items = DEMO_RESIDENTS.values() if isinstance(DEMO_RESIDENTS, dict) else DEMO_RESIDENTS
        codes = [item if isinstance(item, str) else _fiscal_code_of(item) for item in items]
        people = {person.fiscal_code: person for person in Person.objects.filter(fiscal_code__in=codes)}
        listed = [people[code] for code in codes if code in people]
        if listed:
            return listed
    return list(Person.objects.order_by("family_name", "given_name", "pk")[:LISTED])


def _fiscal_code_of(item):
    if isinstance(item, dict):
        return item.get("fiscal_code", "")
    return getattr(item, "fiscal_code", "")
