from base64 import b64decode, b64encode

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.pagination import CursorPagination as DRFCursorPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param


class CursorPagination(DRFCursorPagination):
    """Newest first; stable under inserts (a new message does not shift the next page)."""

    ordering = ("-created_at", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
    invalid_cursor_message = _("Cursore non valido.")


class ListCursorPagination:
    """The same envelope and ``cursor`` parameter for lists that are not querysets (the access log).

    The cursor is an opaque position; clients only follow ``next`` and ``previous``.
    """

    cursor_query_param = "cursor"
    page_size = 20

    def paginate(self, items, request):
        self.request = request
        offset = self._decode(request.query_params.get(self.cursor_query_param))
        self.count = len(items)
        self.offset = offset
        return items[offset : offset + self.page_size]

    def _decode(self, value):
        if not value:
            return 0
        try:
            offset = int(b64decode(value.encode("ascii"), validate=True).decode("ascii").removeprefix("o="))
        except (ValueError, UnicodeError):
            raise NotFound(_("Cursore non valido.")) from None
        if offset < 0:
            raise NotFound(_("Cursore non valido."))
        return offset

    def _link(self, offset):
        url = self.request.build_absolute_uri()
        if offset <= 0:
            return remove_query_param(url, self.cursor_query_param)
        return replace_query_param(url, self.cursor_query_param, b64encode(f"o={offset}".encode()).decode())

    def response(self, data):
        next_link = self._link(self.offset + self.page_size) if self.offset + self.page_size < self.count else None
        previous_link = self._link(self.offset - self.page_size) if self.offset > 0 else None
        return Response({"next": next_link, "previous": previous_link, "results": data})
