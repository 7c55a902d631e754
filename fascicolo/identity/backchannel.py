"""HTTP for the back channel (discovery, JWKS, token, userinfo), with timeouts.

When the demo identity provider is served by the same server as the portal, a login's callback
(running in one of the server's threads) calls the provider's token and userinfo endpoints on that
same server. With few workers every thread can be busy with such callbacks, each waiting for a
thread that never frees up: a deadlock until the timeouts fire. URLs under one of
``settings.IDENTITY_IN_PROCESS_PREFIXES`` (and, for a backend whose issuer is ``self``, this
server's own demo provider at the request's address) are therefore answered by ``InProcessAdapter``: the same
Django WSGI application, called in a fresh helper thread of this process, with a real HTTP request
and response (method, headers, body, status) but no socket and no server thread. Everything else,
and the demo provider in tests (a live server on another address), goes over real HTTP.
"""

import functools
import io
import sys
import threading
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.conf import settings
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers

# (connect, read) seconds: a slow provider yields a clear error, never a stuck server thread.
TIMEOUT = (3.05, 10)


def session(in_process=()):
    """A ``requests`` session for back-channel calls; in-process for this server's own provider
    (``settings.IDENTITY_IN_PROCESS_PREFIXES`` and the ``in_process`` prefixes)."""
    http = requests.Session()
    http.headers["User-Agent"] = "Fascicolo-identity/1.0"
    for prefix in (*settings.IDENTITY_IN_PROCESS_PREFIXES, *in_process):
        http.mount(prefix, InProcessAdapter())
    return http


class InProcessAdapter(BaseAdapter):
    """Answer a request with this process's Django application instead of a network round trip."""

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        environ = _wsgi_environ(request)
        result = {}

        def run():
            # A fresh thread: the inner request gets its own database connection, active language
            # and URL conf, and cannot disturb the outer request's thread-local state.
            def start_response(status, headers, exc_info=None):
                result["status"], result["headers"] = status, headers

            body = _application()(environ, start_response)
            try:
                result["body"] = b"".join(body)
            finally:
                if hasattr(body, "close"):
                    body.close()

        worker = threading.Thread(target=run, name="identity-in-process", daemon=True)
        worker.start()
        worker.join(_read_timeout(timeout))
        if "body" not in result:
            raise requests.Timeout(f"in-process request to {request.url} did not finish")

        response = requests.Response()
        response.status_code = int(result["status"].split(" ", 1)[0])
        response.reason = result["status"].split(" ", 1)[-1]
        response.headers = CaseInsensitiveDict(result["headers"])
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = result["body"]
        response.url = request.url
        response.request = request
        response.connection = self
        return response

    def close(self):
        pass


@functools.cache
def _application():
    # One handler per process, as a WSGI server keeps: building it loads the middleware chain.
    from django.core.handlers.wsgi import WSGIHandler

    return WSGIHandler()


def _read_timeout(timeout):
    if isinstance(timeout, tuple):
        return sum(t for t in timeout if t)
    return timeout or sum(TIMEOUT)


def _wsgi_environ(request):
    url = urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    port = url.port or (443 if url.scheme == "https" else 80)
    environ = {
        "REQUEST_METHOD": request.method,
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(url.path).decode("latin-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname,
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": url.netloc,
        "HTTP_X_FORWARDED_PROTO": url.scheme,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH" and key != "HOST":
            environ[f"HTTP_{key}"] = value
    return environ
