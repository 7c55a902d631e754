"""Who acts for a minor: every ANPR relationship code against the rule table (registry/acting_for.py)."""

import pytest

from registry import selectors
from registry.acting_for import MINORS_ACTED_FOR, acts_for_minor
from registry.models import Relationship
from tests.audit.people import make_person
from tests.dossier.factories import make_household, years_ago

R = Relationship

# The specification, written out pair by pair: (adult's relationship to the head, minor's relationship
# to the head) for which parental responsibility or guardianship is recorded. Every other pair of
# codes is refused.
PARENTAL_PAIRS = {
    (R.HEAD, R.CHILD), (R.HEAD, R.ADOPTED),  # c.c. 316, 320; L. 184/1983 art. 27
    (R.COHABITATION_HEAD, R.CHILD), (R.COHABITATION_HEAD, R.ADOPTED),  # the manager's own children
    (R.SPOUSE, R.CHILD), (R.SPOUSE, R.ADOPTED), (R.SPOUSE, R.STEPCHILD),  # c.c. 231; L. 184/1983 art. 6
    (R.CIVIL_PARTNER, R.STEPCHILD),  # their own child; L. 76/2016 art. 1 c. 20
    (R.PARENT, R.HEAD), (R.PARENT, R.COHABITATION_HEAD), (R.PARENT, R.SIBLING),  # parent of the head
    (R.GUARDIAN, R.HEAD), (R.GUARDIAN, R.COHABITATION_HEAD),  # tutore, c.c. 357
}  # fmt: skip


def test_the_table_decides_for_every_relationship_code_with_a_legal_source():
    assert set(MINORS_ACTED_FOR) == set(Relationship)
    for relationship, rule in MINORS_ACTED_FOR.items():
        assert rule.source, relationship
        assert rule.minors <= set(Relationship), relationship


@pytest.mark.parametrize("actor", list(Relationship), ids=lambda r: f"{r.value}-{r.name}")
def test_every_pair_of_codes_follows_parental_responsibility(actor):
    for minor in Relationship:
        assert acts_for_minor(actor, minor) == ((actor, minor) in PARENTAL_PAIRS), (actor.label, minor.label)


def test_the_heads_cohabitant_is_refused_for_the_heads_minor_children(db):
    head = make_person(birth_date=years_ago(40))
    partner = make_person(birth_date=years_ago(38))
    child = make_person(birth_date=years_ago(8))
    make_household([(head, R.HEAD), (partner, R.COHABITANT), (child, R.CHILD)])
    assert [p.pk for p in selectors.people_person_may_act_for(partner)] == [partner.pk]
    assert [p.pk for p in selectors.people_person_may_act_for(head)] == [head.pk, child.pk]


def test_the_head_is_not_the_parent_of_a_stepchild_the_spouse_is(db):
    head = make_person(birth_date=years_ago(40))
    spouse = make_person(birth_date=years_ago(38))
    stepchild = make_person(birth_date=years_ago(12))
    make_household([(head, R.HEAD), (spouse, R.SPOUSE), (stepchild, R.STEPCHILD)])
    assert [p.pk for p in selectors.people_person_may_act_for(head)] == [head.pk]
    assert [p.pk for p in selectors.people_person_may_act_for(spouse)] == [spouse.pk, stepchild.pk]


def test_a_parent_of_a_minor_head_acts_for_the_head_and_the_heads_minor_siblings_not_half_siblings(db):
    head = make_person(birth_date=years_ago(17))
    mother = make_person(birth_date=years_ago(45))
    brother = make_person(birth_date=years_ago(12))
    half_sister = make_person(birth_date=years_ago(9))
    adult_sister = make_person(birth_date=years_ago(22))
    make_household([(head, R.HEAD), (mother, R.PARENT), (brother, R.SIBLING), (half_sister, R.HALF_SIBLING),
                    (adult_sister, R.SIBLING)])  # fmt: skip
    assert {p.pk for p in selectors.people_person_may_act_for(mother)} == {mother.pk, head.pk, brother.pk}
    # An adult sibling is no one's parent: adults act only for themselves.
    assert [p.pk for p in selectors.people_person_may_act_for(adult_sister)] == [adult_sister.pk]
