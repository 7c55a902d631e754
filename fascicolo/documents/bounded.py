"""Checking a PDF that anyone may upload (``/verify/``) at a bounded cost.

Four bounds, each before the next, more expensive step:

1. **Size while reading**: ``body_too_large`` refuses a request whose ``Content-Length`` is over the
   limit before a byte of the body is read; ``BoundedUploadHandler`` stops reading the body as soon
   as the file passes the limit (a client that lies about the length, or sends more parts).
2. **Structure from the raw bytes** (``scan_structure``): a few bounded regular expressions count
   the indirect objects (also those packed in object streams), signature fields, pages and runs of
   nested arrays/dictionaries; a file over any bound is refused before a PDF parser sees it.
3. **Structure from the parsed file**, in the child process: the form fields are walked with a
   budget of nodes and depth, so fields hidden in compressed object streams are bounded too.
4. **CPU and memory budget** (``verify_upload``): the signature is validated in a child process
   forked from a ``forkserver`` (pyHanko already imported there) with ``RLIMIT_CPU`` and
   ``RLIMIT_AS``, and killed after a wall-clock deadline. A crafted file costs the budget, never a
   web thread's time or memory.

Limits come from settings (``VERIFY_*``, README); ``UploadRefused.message`` is for the visitor.
"""

import dataclasses
import multiprocessing
import re
import resource

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.utils.translation import gettext as _

from .seal import SealVerification

# Multipart framing around the file (boundaries, part headers, a short code field).
MULTIPART_ALLOWANCE = 16 * 1024

_INDIRECT_OBJECT = re.compile(rb"(?<![0-9])[0-9]{1,10}[ \t\r\n\f\x00]{1,8}[0-9]{1,5}[ \t\r\n\f\x00]{1,8}obj\b")
_OBJECT_STREAM_COUNT = re.compile(
    rb"/Type\s{0,8}/ObjStm\b[^>]{0,200}?/N\s{0,8}([0-9]{1,10})|/N\s{0,8}([0-9]{1,10})[^>]{0,200}?/Type\s{0,8}/ObjStm\b"
)
_SIGNATURE_FIELD = re.compile(rb"/FT\s{0,8}/Sig\b")
_PAGE = re.compile(rb"/Type\s{0,8}/Page\b")
_DEEP_NESTING = re.compile(rb"(?:\[\s{0,8}){32}|(?:<<\s{0,8}){32}")


class UploadRefused(Exception):
    """The upload is over one of the bounds; ``message`` is for the visitor, ``code`` for logs/tests."""

    def __init__(self, message, code):
        super().__init__(message)
        self.message = str(message)
        self.code = code


class OverBound(Exception):
    """Raised where no translation is at hand (the child process); ``args[0]`` is the bound's code."""


@dataclasses.dataclass(frozen=True)
class Bounds:
    max_objects: int
    max_signature_fields: int
    max_fields: int
    max_depth: int
    max_pages: int

    @classmethod
    def from_settings(cls):
        return cls(
            max_objects=settings.VERIFY_PDF_MAX_OBJECTS,
            max_signature_fields=settings.VERIFY_PDF_MAX_SIGNATURE_FIELDS,
            max_fields=settings.VERIFY_PDF_MAX_FIELDS,
            max_depth=settings.VERIFY_PDF_MAX_DEPTH,
            max_pages=settings.VERIFY_PDF_MAX_PAGES,
        )


def _too_large_message():
    megabytes = settings.VERIFY_UPLOAD_MAX_BYTES / (1024 * 1024)
    return _("Il file è troppo grande (massimo %(size)s MB).") % {"size": f"{megabytes:g}"}


def _structure_message():
    return _("Il file non ha la struttura di un documento rilasciato dal Comune: non è stato controllato.")


# --- 1. Size while reading -------------------------------------------------------------------------


def body_too_large(request, max_bytes):
    """True when the declared body is larger than a ``max_bytes`` file can need; nothing is read."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return declared > max_bytes + MULTIPART_ALLOWANCE


class BoundedUploadHandler(FileUploadHandler):
    """Keeps an uploaded file in memory up to ``max_bytes`` and stops reading the request beyond.

    Install it before the body is read: ``request.upload_handlers = [BoundedUploadHandler(request, n)]``
    (the view must be CSRF-exempt, or CSRF's check would read the body first). After the upload,
    ``exceeded`` tells whether the limit stopped it.
    """

    def __init__(self, request, max_bytes):
        super().__init__(request)
        self.max_bytes = max_bytes
        self.exceeded = False
        self._received = 0
        self._buffer = None

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._buffer = bytearray()

    def receive_data_chunk(self, raw_data, start):
        self._received += len(raw_data)
        if self._received > self.max_bytes:
            self.exceeded = True
            # connection_reset: Django does not read the rest of the body either.
            raise StopUpload(connection_reset=True)
        self._buffer.extend(raw_data)
        return None

    def file_complete(self, file_size):
        import io

        return InMemoryUploadedFile(
            file=io.BytesIO(bytes(self._buffer)),
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


def read_bounded_upload(request, field_name):
    """The bytes of the uploaded file ``field_name`` (``None`` if absent), read with
    ``VERIFY_UPLOAD_MAX_BYTES`` enforced before and while reading; ``UploadRefused`` over it."""
    max_bytes = settings.VERIFY_UPLOAD_MAX_BYTES
    if body_too_large(request, max_bytes):
        raise UploadRefused(_too_large_message(), "too_large")
    handler = BoundedUploadHandler(request, max_bytes)
    request.upload_handlers = [handler]
    upload = request.FILES.get(field_name)
    if handler.exceeded:
        raise UploadRefused(_too_large_message(), "too_large")
    return upload.read() if upload is not None else None


# --- 2. Structure from the raw bytes ---------------------------------------------------------------


def scan_structure(data, bounds):
    """Refuse (``UploadRefused``) a file whose raw structure is over ``bounds``; cost linear in size."""
    if not data.lstrip()[:5] == b"%PDF-":
        raise UploadRefused(_("Il file non è un PDF."), "not_pdf")
    objects = len(_INDIRECT_OBJECT.findall(data))
    for match in _OBJECT_STREAM_COUNT.finditer(data):
        objects += int(match.group(1) or match.group(2))
    if objects > bounds.max_objects:
        raise UploadRefused(_structure_message(), "objects")
    if len(_SIGNATURE_FIELD.findall(data)) > bounds.max_signature_fields:
        raise UploadRefused(_structure_message(), "signature_fields")
    if len(_PAGE.findall(data)) > bounds.max_pages:
        raise UploadRefused(_structure_message(), "pages")
    if _DEEP_NESTING.search(data):
        raise UploadRefused(_structure_message(), "nesting")


# --- 3. Structure from the parsed file (in the child) ----------------------------------------------


def walk_form_fields(reader, bounds):
    """Walk the AcroForm's field tree with a budget; returns the number of signature fields.

    Raises ``OverBound`` beyond ``max_fields`` nodes, ``max_depth`` levels, ``max_pages`` pages
    or ``max_signature_fields`` signature fields. Only the nodes within the budget are resolved.
    """
    root = reader.root
    pages = _resolve(root.raw_get("/Pages")) if "/Pages" in root else None
    page_count = _resolve(pages.raw_get("/Count")) if hasattr(pages, "raw_get") and "/Count" in pages else 0
    if int(page_count) > bounds.max_pages:
        raise OverBound("pages")
    form = _resolve(root.raw_get("/AcroForm")) if "/AcroForm" in root else None
    if not hasattr(form, "raw_get"):
        return 0
    fields = form.raw_get("/Fields") if "/Fields" in form else []
    stack = [(reference, 1) for reference in _array(fields)]
    if len(stack) > bounds.max_fields:
        raise OverBound("fields")
    seen = signatures = 0
    while stack:
        reference, depth = stack.pop()
        seen += 1
        if seen > bounds.max_fields:
            raise OverBound("fields")
        if depth > bounds.max_depth:
            raise OverBound("nesting")
        node = _resolve(reference)
        if not hasattr(node, "raw_get"):
            continue
        if "/FT" in node and _resolve(node.raw_get("/FT")) == "/Sig":
            signatures += 1
            if signatures > bounds.max_signature_fields:
                raise OverBound("signature_fields")
        kids = _array(node.raw_get("/Kids")) if "/Kids" in node else []
        if len(kids) > bounds.max_fields:
            raise OverBound("fields")
        stack.extend((kid, depth + 1) for kid in kids)
    return signatures


def _resolve(value):
    return value.get_object() if hasattr(value, "get_object") else value


def _array(value):
    value = _resolve(value)
    return value if isinstance(value, list) else []


# --- 4. CPU and memory budget ----------------------------------------------------------------------


def _child(connection, data, certificate_der, bounds, cpu_seconds, memory_bytes):
    """Runs in a child process: set the budget, bound the parsed structure, validate the seal."""
    try:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
        resource.setrlimit(resource.RLIMIT_AS, (_address_space() + memory_bytes,) * 2)
        import io

        from asn1crypto import x509
        from pyhanko.pdf_utils.reader import PdfFileReader

        from .seal import verify_seal

        try:
            walk_form_fields(PdfFileReader(io.BytesIO(data), strict=False), bounds)
        except OverBound as over:
            connection.send(("refused", over.args[0]))
            return
        except Exception as error:
            connection.send(("ok", dataclasses.asdict(SealVerification(signed=False, detail=f"unreadable: {error}"))))
            return
        result = verify_seal(data, certificate=x509.Certificate.load(certificate_der))
        connection.send(("ok", dataclasses.asdict(result)))
    except MemoryError:
        connection.send(("refused", "memory"))
    finally:
        connection.close()


def _address_space():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


_context = None


def _process_context():
    """A forkserver with pyHanko imported: each check forks from it in milliseconds, without the
    web process' threads, open connections or memory."""
    global _context
    if _context is None:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(
            ["fascicolo.documents.bounded", "pyhanko.sign.validation", "pyhanko.pdf_utils.reader"]
        )
        _context = context
    return _context


def verify_upload(data):
    """The seal check of an uploaded PDF, within every bound; ``UploadRefused`` when over one.

    Returns a ``SealVerification``. Takes at most about ``VERIFY_CPU_SECONDS`` of CPU and
    ``VERIFY_MEMORY_MB`` of memory, in a child process.
    """
    from .seal import seal_certificate

    bounds = Bounds.from_settings()
    scan_structure(data, bounds)
    cpu_seconds = settings.VERIFY_CPU_SECONDS
    context = _process_context()
    receiver, sender = context.Pipe(duplex=False)
    arguments = (sender, data, seal_certificate().dump(), bounds, cpu_seconds, settings.VERIFY_MEMORY_MB * 1024 * 1024)
    child = context.Process(target=_child, args=arguments, daemon=True)
    child.start()
    sender.close()
    try:
        # Wall-clock deadline: a child starved of CPU by other work still ends. Generous, as it also
        # covers the forkserver's first start in this process (importing pyHanko, seconds).
        if not receiver.poll(cpu_seconds * 10):
            raise UploadRefused(_structure_message(), "time")
        try:
            kind, payload = receiver.recv()
        except EOFError:  # killed by RLIMIT_CPU (SIGXCPU) or the memory limit
            raise UploadRefused(_structure_message(), "budget") from None
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()
    if kind == "refused":
        raise UploadRefused(_structure_message(), payload)
    return SealVerification(**payload)
