"""Throwaway Redis and PostgreSQL servers of a test's own, which fault tests stop, restart and copy.

The machine's own servers (the suite's PostgreSQL and Redis) are never stopped: a test that breaks a
server starts one here, on a free loopback port, from Debian's packages (``scripts/with-services``
installs them), under a directory of its own that is removed afterwards. As root, PostgreSQL runs as
the ``postgres`` user (``initdb`` refuses root), in a directory that user can reach.
"""

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.conftest import wait_until
from tests.production import free_port


class PrivateRedis:
    """``redis-server`` on a free port. ``appendonly``: persist every write (AOF, fsync every second),
    as docs/scale-out.md configures production; without it a restart loses everything, like the
    suite's throwaway Redis."""

    def __init__(self, directory, *, appendonly=False):
        self.directory = Path(directory)
        self.port = free_port()
        self.appendonly = appendonly

    def url(self, db=0):
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self):
        subprocess.run(
            ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
             "--appendonly", "yes" if self.appendonly else "no", "--maxmemory-policy", "noeviction",
             "--daemonize", "yes", "--dir", str(self.directory), "--pidfile", str(self.directory / "redis.pid"),
             "--logfile", str(self.directory / "redis.log")],
            check=True,
        )  # fmt: skip
        wait_until(self.answers, timeout=10, message="redis started")
        return self

    def stop(self):
        # SHUTDOWN NOSAVE still writes the AOF's last second when appendonly is on.
        subprocess.run(["redis-cli", "-p", str(self.port), "shutdown", "nosave"], capture_output=True)
        wait_until(lambda: not self.answers(), timeout=10, message="redis stopped")

    def answers(self):
        result = subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True)
        return result.stdout.strip() == "PONG"


def _pg_bin():
    initdb = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not initdb:
        raise RuntimeError("PostgreSQL's server binaries are missing (scripts/with-services installs them)")
    return initdb[-1].parent


class PrivatePostgres:
    """A PostgreSQL cluster of its own (``initdb``, ``pg_ctl``), trust authentication on loopback.

    ``start``/``stop``/``restart`` as an operator would; ``copy_database`` fills a database from
    another server (``pg_dump | psql``); ``replica`` makes a streaming standby of this cluster with
    ``pg_basebackup -R``.
    """

    def __init__(self, *, primary=None):
        self.bin = _pg_bin()
        self.root = Path(tempfile.mkdtemp(prefix="fascicolo-pg-"))
        self.root.chmod(0o755)  # the postgres user must reach it when the tests run as root
        self.data = self.root / "data"
        self.port = free_port()
        self.primary = primary
        self.running = False

    def _run(self, *command, **kwargs):
        as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        return subprocess.run([*as_postgres, *map(str, command)], check=True, capture_output=True, text=True, **kwargs)

    def _own(self, path):
        if os.geteuid() == 0:
            shutil.chown(path, "postgres")

    def init(self):
        self._own(self.root)
        if self.primary is None:
            self._run(self.bin / "initdb", "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8")
            with open(self.data / "postgresql.conf", "a") as conf:
                conf.write("wal_level = replica\nmax_wal_senders = 4\nfsync = off\n")
            with open(self.data / "pg_hba.conf", "a") as hba:
                hba.write("host replication postgres 127.0.0.1/32 trust\n")
        else:
            self._run(
                self.bin / "pg_basebackup", "-h", "127.0.0.1", "-p", self.primary.port, "-U", "postgres",
                "-D", self.data, "-R", "-X", "stream", "--checkpoint=fast",
            )  # fmt: skip
        return self

    def start(self):
        self._run(
            self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-w", "start",
            "-o", f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1",
        )  # fmt: skip
        self.running = True
        return self

    def stop(self, mode="fast"):
        """``fast`` ends the sessions and stops cleanly, as ``systemctl restart postgresql`` does."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop")
        self.running = False

    def restart(self):
        self.stop()
        self.start()

    def url(self, database="postgres"):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, database, sql, **kwargs):
        """Run ``sql`` and return psql's unaligned output."""
        return self._run(
            self.bin / "psql", "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", self.port,
            "-U", "postgres", "-d", database, "-c", sql, **kwargs,
        ).stdout.strip()  # fmt: skip

    def copy_database(self, source_url, name):
        """Create ``name`` here with the schema and rows of the database at ``source_url``."""
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        dump = subprocess.run(
            [self.bin / "pg_dump", "--no-owner", "--no-privileges", "-d", source_url],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        self._run(
            self.bin / "psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", self.port,
            "-U", "postgres", "-d", name, input=dump.stdout,
        )  # fmt: skip
        return self.url(name)

    def replica(self):
        """A streaming standby of this cluster (``pg_basebackup -R``), started."""
        return PrivatePostgres(primary=self).init().start()

    def remove(self):
        if self.running:
            self.stop(mode="immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self):
        return self.init().start()

    def __exit__(self, *exc):
        self.remove()
