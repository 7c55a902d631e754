"""The environment of a production process (``fascicolo.settings`` with DEBUG off), for tests that
start one as a subprocess against this run's PostgreSQL and Redis."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HOST = "fascicolo.comune.example.it"


def production_env(**extra):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "TESTING", "DEMO_MODE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.pop("SECURE_SSL_REDIRECT", None)
    env.pop("SECURE_COOKIES", None)
    env.pop("LOG_FORMAT", None)
    env.update(
        DJANGO_SETTINGS_MODULE="fascicolo.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS=HOST,
        DATABASE_URL=os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fascicolo"),
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/1"),
    )
    env.update(extra)
    return env


def manage(*args, env, timeout=120):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


def served_env(directory, **extra):
    """What a server started by a test shares with the test: its database, Redis and SECRET_KEY
    (sessions the test writes must be valid for the server); its own files under ``directory``."""
    from django.conf import settings

    from tests.conftest import database_url_for_subprocess

    return {
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url_for_subprocess(),
        "REDIS_URL": settings.REDIS_URL,
        "PRIVATE_STORAGE_ROOT": str(directory / "private"),
        "FASCICOLO_VAR_DIR": str(directory / "var"),
        **extra,
    }


def production_server_env(directory, static_root):
    """fascicolo.settings with DEBUG off, as the README configures it, on this machine."""
    from fascicolo.documents.seal import ensure_development_seal

    seal_key, seal_cert = ensure_development_seal(directory / "seal")
    return production_env(
        **served_env(directory),
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(static_root),
        SEAL_KEY_PATH=str(seal_key),
        SEAL_CERT_PATH=str(seal_cert),
        TRUSTED_PROXY_COUNT="1",
        LOG_LEVEL="WARNING",
    )


def demo_server_env(directory):
    """`make run`'s configuration (DEBUG=1 DEMO_MODE=1: demo banner, demo identity provider, PSP
    simulator), on this run's PostgreSQL and Redis instead of SQLite and the filesystem broker."""
    env = {key: value for key, value in os.environ.items() if key not in {"TESTING", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(served_env(directory), DJANGO_SETTINGS_MODULE="fascicolo.settings", DEBUG="1", DEMO_MODE="1")
    env.update(LOG_LEVEL="WARNING")
    return env


def make_static(static_root):
    """The README's production step "make static": collectstatic with the manifest storage and
    WhiteNoise's compression, into ``static_root``."""
    env = production_env(STATIC_ROOT=str(static_root))
    result = subprocess.run(["make", "static"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return static_root


# --- The portal served as in production: gunicorn behind nginx --------------------------------------

NGINX_SITE = ROOT / "deploy" / "nginx" / "fascicolo.conf"
NGINX_PROXY = ROOT / "deploy" / "nginx" / "fascicolo-proxy.conf"


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def self_signed_tls(directory):
    """A key and certificate for 127.0.0.1, which the tests' client also trusts as its CA."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "tls.key", directory / "tls.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def nginx_config(
    directory, *, https_port, upstream_ports, key_path, cert_path, worker_connections=256, keep_port=False
):
    """deploy/nginx/fascicolo.conf as an operator installs it, with only what differs on loopback
    replaced: addresses and ports (one upstream server per gunicorn), the certificate, no IPv6.
    fascicolo-proxy.conf is used unchanged, except with ``keep_port``: the Host header then keeps the
    port (``$http_host``), so that the addresses the portal builds for other parties (the PSP's
    notification URL) reach this nginx. The access log names the upstream that answered.
    ``worker_connections``: raise it for load tests (each client holds one, and one to gunicorn)."""
    site = NGINX_SITE.read_text()
    replacements = {
        "server 127.0.0.1:8000;": " ".join(f"server 127.0.0.1:{port};" for port in upstream_ports),
        "listen 80;": f"listen 127.0.0.1:{free_port()};",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
        "/etc/ssl/certs/fascicolo.comune.example.it.pem": str(cert_path),
        "/etc/ssl/private/fascicolo.comune.example.it.key": str(key_path),
    }
    for old, new in replacements.items():
        assert old in site, f"{NGINX_SITE} no longer has {old!r}: update tests/production.py"
        site = site.replace(old, new)
    site = "\n".join(line for line in site.splitlines() if "[::]" not in line)
    (directory / "snippets").mkdir()
    if keep_port:
        proxy = NGINX_PROXY.read_text()
        assert "proxy_set_header Host $host;" in proxy, f"{NGINX_PROXY} changed: update tests/production.py"
        (directory / "snippets" / "fascicolo-proxy.conf").write_text(
            proxy.replace("proxy_set_header Host $host;", "proxy_set_header Host $http_host;")
        )
    else:
        (directory / "snippets" / "fascicolo-proxy.conf").symlink_to(NGINX_PROXY)
    (directory / "site.conf").write_text(site)
    # As root, nginx's workers would run as "nobody" and could not write their temporary files here.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (directory / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {directory}/nginx.pid;\nerror_log {directory}/error.log;\n"
        f"events {{ worker_connections {worker_connections}; }}\n"
        "http {\n  log_format upstreams '$upstream_addr $status $request_uri';\n"
        f"  access_log {directory}/access.log upstreams;\n  client_body_temp_path {directory}/body;\n"
        f"  proxy_temp_path {directory}/proxy;\n  include /etc/nginx/mime.types;\n  include site.conf;\n}}\n"
    )
    return directory / "nginx.conf"


class Process:
    """A server process whose output is kept for the failure message."""

    def __init__(self, name, command, env, log_path):
        self.name = name
        self.log_path = log_path
        self.log = open(log_path, "w")  # noqa: SIM115  (closed in stop())
        self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def output(self, last=4000):
        return f"--- {self.name} ---\n" + self.log_path.read_text()[-last:]

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


class ServedPortal:
    """gunicorn with ``env`` (production or demo settings), behind nginx with TLS when ``nginx``.

    ``url`` is where a client reaches it; ``ca_file`` the certificate to trust for HTTPS. The load
    tests (benchmarks/locust/) choose the threads, the WSGI ``app`` (one that counts SQL statements),
    nginx's ``worker_connections`` and ``keep_port`` (see ``nginx_config``).
    """

    def __init__(
        self, directory, env, *, nginx=True, workers=2, backends=1, threads=4, app="fascicolo.wsgi:application",
        worker_connections=256, keep_port=False,
    ):  # fmt: skip
        self.directory = directory
        # One gunicorn per port: ``backends`` > 1 serves the same portal from several processes, as
        # several machines behind a load balancer would (docs/scale-out.md).
        self.gunicorn_ports = [free_port() for _ in range(backends)]
        self.gunicorn_port = self.gunicorn_ports[0]
        self.nginx_port = free_port() if nginx else None
        self.ca_file = None
        self.processes = []
        self.env = dict(env)
        self.url = f"https://127.0.0.1:{self.nginx_port}" if nginx else f"http://127.0.0.1:{self.gunicorn_port}"
        self.backend_urls = [f"http://127.0.0.1:{port}" for port in self.gunicorn_ports]
        self.env.setdefault("SITE_URL", self.url)
        self.workers = workers
        self.threads = threads
        self.app = app
        self.worker_connections = worker_connections
        self.keep_port = keep_port
        self.nginx = nginx

    def start(self, timeout=120):
        for port in self.gunicorn_ports:
            gunicorn = [
                str(ROOT / ".venv" / "bin" / "gunicorn"), self.app,
                "--bind", f"127.0.0.1:{port}", "--workers", str(self.workers),
                "--worker-class", "gthread", "--threads", str(self.threads), "--timeout", "120",
            ]  # fmt: skip
            name = "gunicorn" if len(self.gunicorn_ports) == 1 else f"gunicorn-{port}"
            self.processes.append(Process(name, gunicorn, self.env, self.directory / f"{name}.log"))
        if self.nginx:
            key_path, cert_path = self_signed_tls(self.directory)
            self.ca_file = cert_path
            conf = nginx_config(
                self.directory, https_port=self.nginx_port, upstream_ports=self.gunicorn_ports,
                key_path=key_path, cert_path=cert_path, worker_connections=self.worker_connections,
                keep_port=self.keep_port,
            )  # fmt: skip
            command = ["nginx", "-p", str(self.directory), "-c", str(conf), "-g", "daemon off;"]
            self.processes.append(Process("nginx", command, os.environ.copy(), self.directory / "nginx.log"))
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout):
        import ssl
        import time
        import urllib.request

        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.ca_file else None
        deadline = time.monotonic() + timeout
        waiting = [self.url, *self.backend_urls[1:]]  # every backend, not only the first to answer
        while waiting and time.monotonic() < deadline:
            for process in self.processes:
                if process.process.poll() is not None:
                    raise RuntimeError(f"{process.name} exited\n" + self.output())
            try:
                probe = waiting[0] + "/healthz"  # https:// or http://, built above
                with urllib.request.urlopen(probe, timeout=5, context=context) as response:  # noqa: S310
                    if response.status == 200:
                        waiting.pop(0)
            except OSError:
                time.sleep(0.3)
        if waiting:
            raise RuntimeError("the portal did not answer /healthz\n" + self.output())

    def upstreams(self):
        """What nginx logged so far, one ``(upstream address, status, request URI)`` per request."""
        lines = (self.directory / "access.log").read_text().splitlines()
        return [tuple(line.split(" ", 2)) for line in lines]

    def output(self):
        return "\n".join(process.output() for process in self.processes)

    def stop(self):
        for process in reversed(self.processes):
            process.stop()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
