from django import template

from ..identifiers import format_notice_number
from ..pdf import euro as _euro

register = template.Library()


@register.filter
def euro(cents):
    """Integer cents as an amount in euro, Italian style (1.234,50 €)."""
    return _euro(int(cents or 0))


@register.filter
def notice_groups(notice_number):
    return format_notice_number(notice_number)
