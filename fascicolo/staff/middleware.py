from django.http import Http404

from .second_factor import is_clerk, second_factor_gate

# allauth's pages that no one uses here: signup is closed, clerks' addresses and passwords are set by
# a supervisor in the admin (no self-service e-mail or password reset), there is no login by code.
CLOSED_ACCOUNT_VIEWS = frozenset(
    {
        "account_signup",
        "account_email",
        "account_email_verification_sent",
        "account_confirm_email",
        "account_set_password",
        "account_reset_password",
        "account_reset_password_done",
        "account_reset_password_from_key",
        "account_reset_password_from_key_done",
        "account_confirm_login_code",
    }
)


def is_account_view(view_func):
    return getattr(view_func, "__module__", "").startswith("allauth.")


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


class AccountPagesMiddleware:
    """allauth's account pages (``/personale/``) are the clerks' sign-in: not found for anyone else.

    A resident (signed in with SPID/CIE) has no password, address list or TOTP to manage here, and
    offering them would let a resident's session give itself a second way in; pages no one needs
    (``CLOSED_ACCOUNT_VIEWS``) are not found for anybody. Anonymous visitors keep the login, the
    second-factor step of the login, and the logout.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not is_account_view(view_func):
            return None
        user = request.user
        if request.resolver_match.view_name in CLOSED_ACCOUNT_VIEWS:
            raise Http404
        if user.is_authenticated and not is_clerk(user):
            raise Http404
        return None
