"""Login, step-up and logout pages. The identity backends plug into the login page."""

from django.contrib.auth import logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from .loa import LoA


def _safe_next(request, default="/"):
    target = request.GET.get("next") or request.POST.get("next") or default
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _requested_level(request):
    try:
        return LoA(int(request.GET.get("level", LoA.L2)))
    except ValueError:
        return LoA.L2


def login_page(request):
    return render(request, "identity/login.html", {"next": _safe_next(request), "level": _requested_level(request)})


def step_up(request):
    return render(request, "identity/step_up.html", {"next": _safe_next(request), "level": _requested_level(request)})


@require_POST
def logout_view(request):
    logout(request)
    response = redirect("home")
    response["Clear-Site-Data"] = '"cache", "cookies", "storage"'
    return response
