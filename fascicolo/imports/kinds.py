"""The kinds of file a clerk can import in the background, registered by the apps that own them.

An app registers a kind from its ``AppConfig.ready()``::

    from fascicolo.imports.kinds import ImportKind, register
    register(ImportKind("residents", _("Residenti (ANPR)"), "registry.add_person", run_residents))

``run(data, options, progress)`` receives the uploaded bytes, the options the upload form collected
(JSON-serialisable; an app with options has its own upload page, which calls
``fascicolo.imports.admin.submit_upload``) and ``progress(percent, stage)``; it calls the app's own import function
(which keeps its all-or-nothing transaction) and returns an ``Outcome``. A file refused as a whole
(bad header, unreadable) raises ``ImportRefused`` with the clerk's message; nothing is written then.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


class ImportRefused(Exception):
    """The file cannot be imported at all; the message is for the clerk."""


@dataclass(frozen=True)
class Outcome:
    summary: dict  # label (for the clerk) -> number
    rejects: list = field(default_factory=list)  # (line number, reason) of the lines left out


@dataclass(frozen=True)
class ImportKind:
    key: str
    label: str
    permission: str  # the clerk needs it to upload this kind and to read its jobs
    run: Callable
    upload_url_name: str = ""  # the app's own upload page, when the kind has options (e.g. a year)


_kinds = {}


def register(kind):
    _kinds[kind.key] = kind


def get(key):
    return _kinds[key]


def all_kinds():
    return list(_kinds.values())


def kinds_for(user):
    return [kind for kind in _kinds.values() if user.has_perm(kind.permission)]
