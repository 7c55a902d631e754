"""Each protected view declares the minimum level of assurance it needs.

A visitor who is not signed in is sent to the login page; a session below the level is sent to the
step-up page, which re-authenticates at the required level. Never an error page.
"""

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from .loa import LoA, session_loa


def _redirect(name, request, level):
    query = urlencode({"next": request.get_full_path(), "level": int(level)})
    return redirect(f"{reverse(name)}?{query}")


def require_loa(level=LoA.L2):
    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return _redirect("identity:login", request, level)
            current = session_loa(request)
            if current is None or current < level:
                return _redirect("identity:step_up", request, level)
            return view(request, *args, **kwargs)

        wrapped.required_loa = LoA(level)
        return wrapped

    return decorator


class LoARequiredMixin:
    """The class-based view equivalent of ``require_loa``; set ``required_loa`` on the view."""

    required_loa = LoA.L2

    @classmethod
    def as_view(cls, **initkwargs):
        return require_loa(cls.required_loa)(super().as_view(**initkwargs))
