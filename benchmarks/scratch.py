"""A scratch PostgreSQL database for a benchmark run: created empty, dropped at the end.

It lives on the server of ``BENCH_DATABASE_URL`` (default: the local PostgreSQL, role postgres).
"""

import os

import psycopg

SERVER_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")


class ScratchDatabase:
    def __init__(self, name):
        self.name = name

    @property
    def url(self):
        base, _, _ = SERVER_URL.rpartition("/")
        return f"{base}/{self.name}"

    def recreate(self):
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {self.name}")

    def drop(self):
        with psycopg.connect(SERVER_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")
