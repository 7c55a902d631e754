"""Metadata policies (OpenID Federation 1.0, §6.1 "Metadata Policy").

A policy maps metadata parameters to operators. The policies of a trust chain are **merged** from the
trust anchor down to the leaf's immediate superior (``merge``: a subordinate can only restrict what a
superior allows), then the merged policy is **applied** once to the leaf's metadata (``apply``), each
parameter's operators in the order of §6.1.3.1: ``value``, ``add``, ``default``, ``one_of``,
``subset_of``, ``superset_of``, ``essential``.

Shapes: a metadata dict (``{"token_endpoint": "https://…", "scopes_supported": [...]}``), a policy
dict (``{"scopes_supported": {"subset_of": [...]}, ...}``). Errors: ``PolicyError`` naming the
parameter and the operator, for the log.
"""

import copy

OPERATORS = ("value", "add", "default", "one_of", "subset_of", "superset_of", "essential")


class PolicyError(Exception):
    """A policy that cannot be merged, or metadata the policy refuses."""


def _as_list(value):
    return list(value) if isinstance(value, list) else [value]


def _union(first, second):
    return first + [item for item in second if item not in first]


def _intersection(first, second):
    return [item for item in first if item in second]


def _merge_operator(name, operator, superior, subordinate):
    if operator in ("value", "default"):
        if superior != subordinate:
            raise PolicyError(f"{name}: {operator} {subordinate!r} conflicts with the superior's {superior!r}")
        return superior
    if operator in ("add", "superset_of"):
        return _union(_as_list(superior), _as_list(subordinate))
    if operator == "one_of":
        merged = _intersection(superior, subordinate)
        if not merged:
            raise PolicyError(f"{name}: one_of {subordinate!r} and the superior's {superior!r} share no value")
        return merged
    if operator == "subset_of":
        return _intersection(superior, subordinate)
    if operator == "essential":
        return bool(superior) or bool(subordinate)
    raise AssertionError(operator)


def _check_combination(name, rule):
    """The combinations of operators §6.1.3.1 allows in one parameter's rule, with their conditions."""
    present = set(rule)
    if "value" in rule:
        value = rule["value"]
        values = _as_list(value) if value is not None else []
        if "add" in rule and not set(_as_list(rule["add"])) <= set(values):
            raise PolicyError(f"{name}: add {rule['add']!r} is not within value {value!r}")
        if "default" in rule and value is None:
            raise PolicyError(f"{name}: default with a null value")
        if "one_of" in rule and value not in rule["one_of"]:
            raise PolicyError(f"{name}: value {value!r} is not one_of {rule['one_of']!r}")
        if "subset_of" in rule and not set(values) <= set(rule["subset_of"]):
            raise PolicyError(f"{name}: value {value!r} is not a subset_of {rule['subset_of']!r}")
        if "superset_of" in rule and not set(rule["superset_of"]) <= set(values):
            raise PolicyError(f"{name}: value {value!r} is not a superset_of {rule['superset_of']!r}")
        if rule.get("essential") and value is None:
            raise PolicyError(f"{name}: essential with a null value")
    if "one_of" in present and present & {"add", "subset_of", "superset_of"}:
        raise PolicyError(
            f"{name}: one_of cannot be combined with {sorted(present & {'add', 'subset_of', 'superset_of'})}"
        )
    if "add" in rule and "subset_of" in rule and not set(_as_list(rule["add"])) <= set(rule["subset_of"]):
        raise PolicyError(f"{name}: add {rule['add']!r} is not within subset_of {rule['subset_of']!r}")
    if "subset_of" in rule and "superset_of" in rule and not set(rule["superset_of"]) <= set(rule["subset_of"]):
        raise PolicyError(f"{name}: superset_of {rule['superset_of']!r} is not within subset_of {rule['subset_of']!r}")


def check(policy, critical=()):
    """Refuse a policy with an operator this code does not know when its issuer marked it critical
    (``metadata_policy_crit``); other unknown operators are ignored, as §6.1.3.2 says."""
    for name, rule in policy.items():
        if not isinstance(rule, dict):
            raise PolicyError(f"{name}: a policy entry must be an object of operators")
        unknown = set(rule) - set(OPERATORS)
        if unknown & set(critical):
            raise PolicyError(f"{name}: critical operator(s) {sorted(unknown & set(critical))} not supported")
        _check_combination(name, {key: value for key, value in rule.items() if key in OPERATORS})


def merge(superior, subordinate):
    """The policy of ``superior`` (e.g. the trust anchor's) restricted by ``subordinate``'s (an
    intermediate's), parameter by parameter (§6.1.4.1)."""
    merged = copy.deepcopy(superior)
    for name, rule in subordinate.items():
        known = {key: value for key, value in rule.items() if key in OPERATORS}
        if name not in merged:
            merged[name] = copy.deepcopy(known)
            continue
        target = {key: value for key, value in merged[name].items() if key in OPERATORS}
        for operator, value in known.items():
            target[operator] = _merge_operator(name, operator, target[operator], value) if operator in target else value
        _check_combination(name, target)
        merged[name] = target
    return merged


def apply(metadata, policy):
    """``metadata`` (one entity type's, e.g. ``openid_provider``) after ``policy``; a new dict.

    Raises ``PolicyError`` when the metadata does not satisfy the policy (a value outside ``one_of``,
    a missing ``superset_of`` value, an ``essential`` parameter absent).
    """
    result = copy.deepcopy(metadata)
    for name, rule in policy.items():
        if "value" in rule:
            if rule["value"] is None:
                result.pop(name, None)
            else:
                result[name] = copy.deepcopy(rule["value"])
        if "add" in rule:
            result[name] = _union(_as_list(result[name]) if name in result else [], _as_list(rule["add"]))
        if "default" in rule and name not in result:
            result[name] = copy.deepcopy(rule["default"])
        if "one_of" in rule and name in result and result[name] not in rule["one_of"]:
            raise PolicyError(f"{name}: {result[name]!r} is not one_of {rule['one_of']!r}")
        if "subset_of" in rule and name in result:
            result[name] = _intersection(_as_list(result[name]), rule["subset_of"])
        if "superset_of" in rule and name in result:
            missing = [item for item in rule["superset_of"] if item not in _as_list(result[name])]
            if missing:
                raise PolicyError(f"{name}: {result[name]!r} lacks {missing!r} (superset_of)")
        if rule.get("essential") and name not in result:
            raise PolicyError(f"{name}: essential, but absent")
    return result
