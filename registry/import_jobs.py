"""The residents' file (ANPR layout, ``registry.importer``) as a clerks' background import (fascicolo.imports)."""

import tempfile
from pathlib import Path

from django.utils.translation import gettext as _

from fascicolo.imports.kinds import ImportRefused, Outcome

from .importer import ImportFailed, import_residents


def run_residents(data, options, progress):
    """Import the uploaded CSV with ``import_residents`` (one transaction: all good rows or nothing)."""
    with tempfile.TemporaryDirectory(prefix="fascicolo-import-") as scratch:
        path = Path(scratch) / "residenti.csv"
        path.write_bytes(data)
        try:
            result = import_residents(path, reject_path=Path(scratch) / "scarti.csv")
        except ImportFailed as failure:
            raise ImportRefused(str(failure)) from None
    summary = {
        _("Righe lette"): result.rows,
        _("Righe importate"): result.loaded,
        _("Righe scartate"): result.rejected,
        _("Persone create"): result.people_created,
        _("Persone aggiornate"): result.people_updated,
        _("Famiglie create"): result.households_created,
        _("Famiglie aggiornate"): result.households_updated,
    }
    return Outcome(summary, list(result.rejects))
