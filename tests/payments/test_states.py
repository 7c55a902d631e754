"""The transition tables are the truth: every listed edge happens, nothing else does."""

from collections import deque
from itertools import product

import pytest

from payments.attempts import transition_attempt
from payments.models import AttemptTransition, PaymentAttempt
from payments.services import transition_position
from payments.states import ATTEMPT_TRANSITIONS, POSITION_TRANSITIONS, AttemptStatus, PositionStatus
from tests.payments.factories import make_position

pytestmark = pytest.mark.django_db


def reachable(table, start):
    seen, queue = {start}, deque([start])
    while queue:
        for target in table[queue.popleft()]:
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def test_tables_cover_every_state_and_everything_is_reachable():
    assert set(ATTEMPT_TRANSITIONS) == set(AttemptStatus)
    assert set(POSITION_TRANSITIONS) == set(PositionStatus)
    assert reachable(ATTEMPT_TRANSITIONS, AttemptStatus.CREATED) == set(AttemptStatus)
    assert reachable(POSITION_TRANSITIONS, PositionStatus.DRAFT) == set(PositionStatus)


def test_attempt_moves_exactly_along_the_table():
    option = make_position().options.get()
    for source, target in product(AttemptStatus, AttemptStatus):
        attempt = PaymentAttempt.objects.create(
            gateway="simulator", amount_cents=1, status=source, expires_at="2030-01-01T00:00:00Z"
        )
        attempt.options.set([option])
        moved = transition_attempt(attempt, target, "test")
        attempt.refresh_from_db()
        allowed = target in ATTEMPT_TRANSITIONS[source]
        assert moved is allowed, (source, target)
        assert attempt.status == (target if allowed else source)
        assert AttemptTransition.objects.filter(attempt=attempt).count() == int(allowed)


def test_position_moves_exactly_along_the_table():
    position = make_position(publish=False)
    for source, target in product(PositionStatus, PositionStatus):
        type(position).objects.filter(pk=position.pk).update(status=source)
        position.status = source
        moved = transition_position(position, target)
        position.refresh_from_db()
        allowed = target in POSITION_TRANSITIONS[source]
        assert moved is allowed, (source, target)
        assert position.status == (target if allowed else source)
