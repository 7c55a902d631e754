"""One error format for the whole API: ``application/problem+json`` (RFC 9457), in the caller's language.

Every error — validation, 401, 403, 404, 405, throttling, and Django's own 400/403/404/500/503 for
paths under /api/ (``fascicolo/errors.py``) — is a JSON object with ``type``, ``title``, ``status``,
``detail`` and ``instance``; validation errors add ``errors``, a list of ``{field, code, message}``.
"""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from fascicolo.limits import LimitExceeded

PROBLEM_CONTENT_TYPE = "application/problem+json"
API_PREFIX = "/api/"


def _titles():
    return {
        400: _("Richiesta non valida"),
        401: _("Autenticazione necessaria"),
        403: _("Accesso negato"),
        404: _("Risorsa non trovata"),
        405: _("Metodo non consentito"),
        406: _("Formato di risposta non disponibile"),
        415: _("Formato della richiesta non supportato"),
        429: _("Troppe richieste"),
        500: _("Errore interno"),
        503: _("Servizio temporaneamente non disponibile"),
    }


def problem(status, *, detail, instance, code=None, errors=None):
    body = {
        "type": f"urn:fascicolo:problem:{code}" if code else "about:blank",
        "title": _titles().get(status, _("Errore")),
        "status": status,
        "detail": str(detail),
        "instance": instance,
    }
    if code:
        body["code"] = code
    if errors is not None:
        body["errors"] = errors
    return body


def _flatten(detail, prefix=""):
    """DRF's nested error detail as a flat list of {field, code, message}."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            field = "" if key == "non_field_errors" else (f"{prefix}.{key}" if prefix else str(key))
            items.extend(_flatten(value, field))
        return items
    if isinstance(detail, list):
        items = []
        for index, value in enumerate(detail):
            nested = isinstance(value, dict | list)
            items.extend(_flatten(value, f"{prefix}.{index}" if nested and prefix else prefix))
        return items
    return [{"field": prefix or None, "code": getattr(detail, "code", "invalid"), "message": str(detail)}]


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(str(exc))
    elif isinstance(exc, LimitExceeded):
        # fascicolo/limits.py: the same count as the web page for this action; 429 with Retry-After.
        exc = exceptions.Throttled(wait=exc.retry_after, detail=exc.message)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: Django's handler500 answers, in the same format (fascicolo/errors.py)
    request = context["request"]
    if isinstance(exc, exceptions.ValidationError):
        body = problem(
            response.status_code,
            detail=_("Alcuni dati non sono validi."),
            instance=request.path,
            code="validation_error",
            errors=_flatten(exc.detail),
        )
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else response.data.get("detail", "")
        code = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        body = problem(
            response.status_code,
            detail=detail,
            instance=request.path,
            code=code if isinstance(code, str) else None,
        )
    headers = {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Retry-After", "Allow")}
    return Response(body, status=response.status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_response(request, status, detail, code):
    """A problem document as a plain Django response, for Django's own error handlers."""
    return JsonResponse(
        problem(status, detail=detail, instance=request.path, code=code),
        status=status,
        content_type=PROBLEM_CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
