"""Who may act for a minor (request certificates, see their data), by the relationships the register
records, with the legal source of each rule. ``registry.selectors`` applies it.

The register records each member's relationship to the household's head (ANPR table 5), not to the
other members; the table below reads parental responsibility out of those pairs:

- Parental responsibility belongs to both parents (Codice civile art. 316) and with it the legal
  representation of the child (art. 320); an adoptive parent has it as any parent (Legge 184/1983
  art. 27). A guardian (*tutore*) has the care of the minor and represents them (c.c. art. 357).
- A partner who is not a parent has none: neither a step-parent (the head for a *figliastro*, who
  is the child of the head's spouse: an in-law, c.c. art. 78) nor a de facto cohabitant
  (*convivente*, Legge 76/2016 art. 1 c. 36-65 gives them no parental responsibility). So the
  head's cohabitant (23) is refused for the head's children.
- The head's spouse (2) is taken as the other parent of the head's children (3), by the presumption
  of c.c. art. 231 (child of the marriage), and of the adopted children (80), whom spouses adopt
  together (Legge 184/1983 art. 6). Where that is not so, the registry office records the child as
  the head's stepchild (14), who is the spouse's own child.
  A civil partner (28) is not (Legge 76/2016 art. 1 c. 20 excludes the filiation rules): they act
  for a child the register records as their own child, i.e. the head's stepchild (14).
- The head's parent (6) is a parent of a minor head (1, 24) and of the head's full siblings (9);
  not of half-siblings (19), who may have the other parent.
- Adults act only for themselves otherwise: the register records no delegation (*delega*), and an
  adult child, grandparent or sibling has no say over another adult's or a minor's data.

``MINORS_ACTED_FOR`` lists, for every relationship code, the relationships of the minors an adult with
that code acts for; ``tests/registry/test_acting_for.py`` enumerates every code against it.
"""

from dataclasses import dataclass

from .models import Relationship

R = Relationship


@dataclass(frozen=True)
class ActingRule:
    minors: frozenset  # the relationships to the head of the minors this member acts for
    source: str  # the legal ground, for the docs and for whoever reads the table

    def covers(self, relationship):
        return relationship in self.minors


NONE = ActingRule(frozenset(), "Adults act only for themselves: no delegation is recorded (GDPR art. 15)")
PARENT_OF_HEADS_CHILDREN = ActingRule(
    frozenset({R.CHILD, R.ADOPTED}), "Parent: c.c. art. 316, 320; L. 184/1983 art. 27 (adoption)"
)
SPOUSE_OF_HEAD = ActingRule(
    frozenset({R.CHILD, R.ADOPTED, R.STEPCHILD}),
    "Parent: c.c. art. 231 (child of the marriage), 316, 320; L. 184/1983 art. 6; the head's stepchild is "
    "the spouse's own child",
)
CIVIL_PARTNER_OF_HEAD = ActingRule(
    frozenset({R.STEPCHILD}),
    "Parent of the head's stepchild (their own child): c.c. art. 316, 320; L. 76/2016 art. 1 c. 20",
)
PARENT_OF_HEAD = ActingRule(
    frozenset({R.HEAD, R.COHABITATION_HEAD, R.SIBLING}),
    "Parent of a minor head and of the head's full siblings: c.c. art. 316, 320",
)
GUARDIAN_OF_HEAD = ActingRule(
    frozenset({R.HEAD, R.COHABITATION_HEAD}), "Guardian (tutore) of the head: c.c. art. 343, 357"
)

MINORS_ACTED_FOR = {
    R.HEAD: PARENT_OF_HEADS_CHILDREN,
    # The manager of an institution (RSA, barracks, prison…) is no one's relative; their own children,
    # recorded as such, are theirs.
    R.COHABITATION_HEAD: PARENT_OF_HEADS_CHILDREN,
    R.SPOUSE: SPOUSE_OF_HEAD,
    R.CIVIL_PARTNER: CIVIL_PARTNER_OF_HEAD,
    R.COHABITANT: NONE,  # not a parent of the head's children (L. 76/2016)
    R.PARENT: PARENT_OF_HEAD,
    R.GUARDIAN: GUARDIAN_OF_HEAD,
    R.CHILD: NONE,
    R.GRANDCHILD: NONE,
    R.GREAT_GRANDCHILD: NONE,
    R.GRANDPARENT: NONE,
    R.GREAT_GRANDPARENT: NONE,
    R.SIBLING: NONE,
    R.NEPHEW: NONE,
    R.UNCLE: NONE,
    R.COUSIN: NONE,
    R.OTHER_RELATIVE: NONE,
    R.STEPCHILD: NONE,
    R.STEPPARENT: NONE,  # a step-parent has no parental responsibility
    R.CHILD_IN_LAW: NONE,
    R.PARENT_IN_LAW: NONE,
    R.SIBLING_IN_LAW: NONE,
    R.HALF_SIBLING: NONE,
    R.NEPHEW_IN_LAW: NONE,
    R.UNCLE_IN_LAW: NONE,
    R.OTHER_IN_LAW: NONE,
    R.COHABITATION_MEMBER: NONE,  # a co-resident of an institution, not a relative
    R.ADOPTED: NONE,
    R.GRANDCHILD_OTHER: NONE,
    R.UNDEFINED: NONE,
}


def acts_for_minor(actor_relationship, minor_relationship):
    """Whether an adult member with ``actor_relationship`` to the head acts for a minor member with
    ``minor_relationship`` (both ANPR table 5 codes). An unknown code acts for no one."""
    rule = MINORS_ACTED_FOR.get(actor_relationship, NONE)
    return rule.covers(minor_relationship)
