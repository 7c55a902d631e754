"""The *Certificati* section of the area personale, and the public verification page. Thin views."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from fascicolo.documents import bounded
from fascicolo.documents.storage import open_private_file
from fascicolo.identity.decorators import require_loa
from fascicolo.identity.loa import LoA
from fascicolo.identity.services import client_ip, person_for_user
from fascicolo.limits import check, check_resident
from fascicolo.sections import section_page
from registry.selectors import people_person_may_act_for, person_may_act_for

from . import selectors, services
from .catalogue import catalogue_for, self_declaration_sections_for
from .codes import normalize_verification_code
from .forms import CertificateRequestForm, SelfDeclarationForm
from .states import Status


def resident_page(view):
    """A page of the area personale (level 2 login, the dossier's menu; residents not in the registry
    get the dossier's explanation), never cached: these pages hold personal data."""
    return section_page("certificates")(never_cache(view))


def resident_endpoint(view):
    """The status JSON and the download: level 2, never cached, no page chrome."""
    return require_loa(LoA.L2)(never_cache(view))


def _catalogue_context(request, selected, form=None):
    catalogue = catalogue_for(selected)
    available = [entry.kind for entry in catalogue if entry.available]
    form = form or CertificateRequestForm(initial={"person": selected.pk}, available_kinds=available)
    certificates = list(selectors.certificates_for(request.user)[:50])
    return {
        "people": people_person_may_act_for(person_for_user(request.user)),
        "selected": selected,
        "catalogue": catalogue,
        "form": form,
        "certificates": [(c, selectors.status_payload(c, request.user)) for c in certificates],
        "any_pending": any(c.status == Status.PENDING for c in certificates),
        "paid_stamp_enabled": settings.CERTIFICATES_PAID_STAMP_ENABLED,
    }


@resident_page
@require_GET
def index(request):
    person = request.dossier["person"]
    selected = person_may_act_for(person, request.GET.get("persona", person.pk)) or person
    return render(request, "certificates/index.html", _catalogue_context(request, selected))


@resident_page
@require_POST
def request_certificate(request):
    check_resident(request, "certificate_requests")
    selected = person_may_act_for(person_for_user(request.user), request.POST.get("person"))
    if selected is None:
        raise Http404
    available = [entry.kind for entry in catalogue_for(selected) if entry.available]
    form = CertificateRequestForm(request.POST, available_kinds=available)
    if form.is_valid():
        try:
            services.request_certificate(
                request.user,
                person_id=selected.pk,
                kind=form.cleaned_data["kind"],
                exemption=form.cleaned_data["exemption"],
                exemption_description=form.cleaned_data["exemption_description"],
                language=request.LANGUAGE_CODE,
            )
        except services.RequestRefused as refusal:
            form.add_error(None, refusal.messages[0])
        else:
            if form.cleaned_data["exemption"] is None:
                message = _("Richiesta ricevuta: tra pochi secondi potrai pagare il bollo nella sezione Pagamenti.")
                messages.success(request, message)
            else:
                messages.success(request, _("Richiesta ricevuta: il certificato sarà pronto tra pochi secondi."))
            return redirect("certificates:index")
    context = _catalogue_context(request, selected, form=form)
    return render(request, "certificates/index.html", context, status=400)


@resident_endpoint
@require_GET
def status(request, pk):
    """The small JSON the list polls for live status."""
    certificate = selectors.certificate_for(request.user, pk)
    return JsonResponse(selectors.status_payload(certificate, request.user))


@resident_endpoint
@require_GET
def download(request, token):
    return _pdf_response(selectors.certificate_for_download(request.user, token))


@resident_endpoint
@require_GET
def download_by_id(request, pk):
    """The lasting address of one of the user's certificates (the "certificate ready" message links
    here; the list's signed links expire): the PDF once READY, else the certificates page."""
    certificate = selectors.certificate_for(request.user, pk)
    if certificate.status != Status.READY:
        messages.info(
            request, _("Il certificato non è disponibile: %(status)s.") % {"status": certificate.get_status_display()}
        )
        return redirect("certificates:index")
    return _pdf_response(certificate)


def _pdf_response(certificate):
    return FileResponse(
        open_private_file(certificate.file_name),
        as_attachment=True,
        filename=f"{certificate.kind or 'autocertificazione'}-{certificate.verification_code}.pdf",
        content_type="application/pdf",
    )


@resident_page
@require_http_methods(["GET", "POST"])
def self_declaration(request):
    person = request.dossier["person"]
    sections = self_declaration_sections_for(person)
    form = SelfDeclarationForm(
        request.POST or None, available_sections=[section.key for section, ok, _reason in sections if ok]
    )
    if request.method == "POST":
        check_resident(request, "certificate_requests")
    if request.method == "POST" and form.is_valid():
        try:
            services.request_self_declaration(
                request.user, sections=form.cleaned_data["sections"], language=request.LANGUAGE_CODE
            )
        except services.RequestRefused as refusal:
            form.add_error(None, refusal.messages[0])
        else:
            messages.success(request, _("Autocertificazione in preparazione: la trovi nell'elenco qui sotto."))
            return redirect("certificates:index")
    return render(
        request,
        "certificates/self_declaration.html",
        {"form": form, "sections": sections},
        status=400 if request.method == "POST" else 200,
    )


# --- Public verification (no login) -------------------------------------------------------------------


def _cache_headers(request, response):
    if request.user.is_authenticated:
        # The page header names a signed-in visitor: personal, like every authenticated response.
        response["Cache-Control"] = "private, no-store"
    else:
        # Public (initials only), but revalidated on every use so that a revocation shows at once.
        response["Cache-Control"] = "public, no-cache"
    return response


def _max_upload_mb():
    return f"{settings.VERIFY_UPLOAD_MAX_BYTES / (1024 * 1024):g}"


@require_GET
def verify_landing(request):
    """Where a person holding a printed certificate types its code, or uploads the PDF."""
    typed = request.GET.get("codice")
    error = None
    if typed is not None:
        try:
            return redirect("certificates_public:verify", code=normalize_verification_code(typed))
        except ValidationError as invalid:
            error = invalid.messages[0]
    response = render(
        request,
        "certificates/verify_landing.html",
        {"typed": typed or "", "error": error, "max_upload_mb": _max_upload_mb()},
        status=400 if error else 200,
    )
    return _cache_headers(request, response)


@require_GET
def verify(request, code):
    certificate = selectors.certificate_for_verification(code)
    context = {"code": code, "certificate": certificate, "upload_result": None, "max_upload_mb": _max_upload_mb()}
    if certificate is not None:
        context["initials"] = selectors.holder_initials(certificate.holder)
    response = render(request, "certificates/verify.html", context, status=200 if certificate else 404)
    return _cache_headers(request, response)


# No CSRF token: the upload only reads, and a token would set a cookie on a public page. Exempt also
# because CSRF's check would read the body before the bounded upload handler is installed.
@csrf_exempt
@require_POST
def verify_upload(request, code=None):
    """Compare an uploaded PDF with the issued certificate (``code`` from the address, else the one
    named in the file's seal). Bounded: per-client and per-code rates, then size while reading, then
    structure, then a CPU/memory budget (fascicolo/documents/bounded.py)."""
    check(request, "verify_uploads_client", key=client_ip(request) or "unknown")
    if code is not None:
        check(request, "verify_uploads_code", key=code.replace("-", "").upper())
    certificate = selectors.certificate_for_verification(code) if code is not None else None
    status = 200
    try:
        data = bounded.read_bounded_upload(request, "document")
        if data is None:
            upload_result = {"error": _("Scegli il file PDF del certificato da controllare.")}
            status = 400
        else:
            seal = bounded.verify_upload(data)
            if code is None and seal.ok:
                certificate = selectors.certificate_for_sealed_reason(seal.reason)
            same = certificate is not None and hashlib.sha256(data).hexdigest() == certificate.sha256
            upload_result = {"identical": same and seal.ok, "seal_ok": seal.ok, "same_hash": same}
    except bounded.UploadRefused as refusal:
        upload_result = {"error": refusal.message}
        status = 413 if refusal.code == "too_large" else 422
    context = {
        "code": code,
        "certificate": certificate,
        "upload_result": upload_result,
        "uploaded": True,
        "max_upload_mb": _max_upload_mb(),
    }
    if certificate is not None:
        context["initials"] = selectors.holder_initials(certificate.holder)
    response = render(request, "certificates/verify.html", context, status=status)
    response["Cache-Control"] = "private, no-store"
    return response
