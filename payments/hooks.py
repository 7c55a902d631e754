"""What payments add to the area personale's overview ("what needs attention")."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fascicolo.identity.services import fiscal_code_for_user

from . import selectors
from .states import PositionStatus

SOON = timedelta(days=30)


def payments_due(user, person):
    from fascicolo.sections import AttentionItem

    horizon = timezone.localdate() + SOON
    items = []
    for position in selectors.positions_for(fiscal_code_for_user(user))[:20]:
        payable = position.status in (PositionStatus.VALID, PositionStatus.PARTIALLY_PAID)
        if payable and position.next_due and position.next_due <= horizon:
            items.append(
                AttentionItem(
                    kind="payment",
                    title=_("Da pagare: %(subject)s") % {"subject": position.subject},
                    url=reverse("payments:position", args=[position.pk]),
                    due=position.next_due,
                )
            )
    return items
