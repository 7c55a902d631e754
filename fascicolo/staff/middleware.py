from .second_factor import second_factor_gate


class SecondFactorRequiredMiddleware:
    """Keeps a clerk without a verified second factor away from every page but enrolment and login.

    It runs in ``process_view`` because the decision depends on which view was resolved.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        return second_factor_gate(request, request.resolver_match.view_name)
