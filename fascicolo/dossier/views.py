"""The pages of the area personale. Thin: forms in, services and selectors do the work.

Every view needs a session at SPID/CIE level 2 (``require_loa``) and reads only through the
signed-in resident's scope (``selectors``).
"""

from django.conf import settings
from django.contrib import messages as flash
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from fascicolo import sections
from fascicolo.identity import selectors as identity_selectors
from fascicolo.identity import tokens
from fascicolo.identity.loa import session_loa
from fascicolo.limits import check_resident
from fascicolo.sections import section_page

from . import selectors, services
from .forms import EmailForm, PreferencesForm, RectificationForm, TokenForm
from .models import RectificationStatus


@section_page("overview")
def overview(request):
    user = request.user
    person = request.dossier["person"]
    unread = list(selectors.messages_for(user).filter(read_at__isnull=True)[:3])
    return render(
        request,
        "dossier/overview.html",
        {
            "attention": sections.attention_items(user, person),
            "unread_messages": unread,
            "open_rectifications": selectors.rectifications_for(user).filter(
                status__in=(RectificationStatus.SUBMITTED, RectificationStatus.IN_PROGRESS)
            )[:3],
            "display_name": person.given_name if person else user.first_name,
        },
    )


@section_page("my_data")
def my_data(request):
    return render(request, "dossier/my_data.html", selectors.my_data(request.user))


@section_page("family")
def family(request):
    actable = {person.pk for person in selectors.actable_people(request.user)}
    return render(
        request,
        "dossier/family.html",
        {"members": selectors.household_members(request.user), "actable_ids": actable},
    )


@section_page("messages")
def message_list(request):
    only_unread = request.GET.get("filtro") == "non-letti"
    messages = selectors.messages_for(request.user)
    if only_unread:
        messages = messages.filter(read_at__isnull=True)
    return render(request, "dossier/message_list.html", {"messages_list": messages[:200], "only_unread": only_unread})


@section_page("messages")
def message_detail(request, pk):
    message = services.mark_message_read(request.user, pk)
    return render(request, "dossier/message_detail.html", {"message": message})


@section_page("access_log")
def access_log(request):
    return render(
        request,
        "dossier/access_log.html",
        {"entries": selectors.access_entries(request.user), "logins": selectors.login_entries(request.user)},
    )


@section_page("rectifications")
def rectification_list(request):
    return render(request, "dossier/rectification_list.html", {"requests": selectors.rectifications_for(request.user)})


@section_page("rectifications")
@require_http_methods(["GET", "POST"])
def rectification_new(request):
    form = RectificationForm(request.POST or None, initial={"datum": request.GET.get("dato", "")})
    if request.method == "POST" and form.is_valid():
        try:
            created = services.submit_rectification(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            flash.success(request, _("Richiesta inviata all'ufficio anagrafe."))
            return redirect("dossier:rectification_detail", pk=created.pk)
    return render(request, "dossier/rectification_form.html", {"form": form})


@section_page("rectifications")
def rectification_detail(request, pk):
    return render(
        request,
        "dossier/rectification_detail.html",
        {"rectification": selectors.rectification_for(request.user, pk)},
    )


def _add_errors(form, exc):
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _settings_context(request, **forms):
    user = request.user
    profile = identity_selectors.profile_for(user)
    return {
        "profile": profile,
        "registry_email": selectors.registry_email(user),
        "email_form": forms.get("email_form") or EmailForm(),
        "preferences_form": forms.get("preferences_form")
        or PreferencesForm(
            initial={
                "digital_notices": profile.digital_notices,
                "language": translation.get_language() or profile.language,
            }
        ),
        "token_form": forms.get("token_form") or TokenForm(),
        "tokens": tokens.tokens_for(user)[:20],
        "new_token": forms.get("new_token"),
        "now": timezone.now(),
    }


@section_page("settings")
@require_http_methods(["GET", "POST"])
def settings_page(request):
    if request.method == "GET":
        return render(request, "dossier/settings.html", _settings_context(request))
    action = request.POST.get("action")
    if action == "email":
        return _change_email(request)
    if action == "preferences":
        return _change_preferences(request)
    if action == "token":
        return _create_token(request)
    return redirect("dossier:settings")


def _change_email(request):
    form = EmailForm(request.POST)
    if form.is_valid():
        try:
            services.request_email_change(request.user, form.cleaned_data["email"])
        except ValidationError as exc:
            _add_errors(form, exc)
            return render(request, "dossier/settings.html", _settings_context(request, email_form=form), status=400)
        flash.success(
            request,
            _("Ti abbiamo inviato un link a %(email)s: aprilo per confermare l'indirizzo.")
            % {"email": form.cleaned_data["email"]},
        )
        return redirect("dossier:settings")
    return render(request, "dossier/settings.html", _settings_context(request, email_form=form), status=400)


def _change_preferences(request):
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            profile = services.update_preferences(request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            translation.activate(profile.language)
            flash.success(request, _("Impostazioni salvate."))
            response = redirect("dossier:settings")
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                profile.language,
                # Django's default is a browser-session cookie; a chosen language should last.
                max_age=settings.LANGUAGE_COOKIE_AGE or 365 * 24 * 3600,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            )
            return response
    return render(request, "dossier/settings.html", _settings_context(request, preferences_form=form), status=400)


def _create_token(request):
    check_resident(request, "api_tokens")  # one count with the API's POST /api/v1/tokens/
    form = TokenForm(request.POST)
    if not form.is_valid():
        return render(request, "dossier/settings.html", _settings_context(request, token_form=form), status=400)
    _token, raw = tokens.create_api_token(request.user, name=form.cleaned_data["name"], loa=session_loa(request))
    return render(request, "dossier/settings.html", _settings_context(request, new_token=raw))


@section_page("settings")
@require_POST
def token_revoke(request, pk):
    tokens.revoke_api_token(request.user, pk)
    flash.success(request, _("Token revocato: l'app che lo usava dovrà accedere di nuovo."))
    return redirect("dossier:settings")


@section_page("settings")
def verify_email(request, token):
    try:
        profile = services.verify_email(request.user, token)
    except services.EmailVerificationError as exc:
        flash.error(request, str(exc))
    else:
        flash.success(request, _("Indirizzo email confermato: %(email)s.") % {"email": profile.email})
    return redirect("dossier:settings")
