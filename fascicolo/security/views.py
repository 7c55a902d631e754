from django.http import JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import session_clock
from .middleware import wants_json


@never_cache
@require_POST
def keepalive(request):
    """The "Resta collegato" button: restarts the idle clock, never the absolute one."""
    if not request.user.is_authenticated:
        return JsonResponse({"expired": "idle"}, status=401) if wants_json(request) else redirect("home")
    clock = getattr(request, "session_clock", None) or session_clock.read(request.session, request.user)
    clock = session_clock.touch(request.session, clock, force=True)
    if wants_json(request):
        return JsonResponse({"idle_remaining": clock.idle_remaining, "absolute_remaining": clock.absolute_remaining})
    next_url = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = "/"
    return redirect(next_url)
