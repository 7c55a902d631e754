"""The TARI roll and the reporting flows as clerks' background imports (fascicolo.imports).

Thin: each runner calls the existing import function (which parses the file and writes all of its
good lines in one transaction, or nothing) and reports the outcome; the upload pages are in
``payments.admin``, where the year and the CSV dialect are chosen.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fascicolo.imports.kinds import ImportKind, ImportRefused, Outcome

from . import reconciliation, tari


def _dialect(options):
    return {"separator": options.get("separator") or None, "decimal_mark": options.get("decimal_mark") or None}


def run_tari_roll(data, options, progress):
    year = options.get("year") or timezone.localdate().year
    report = tari.import_roll(data, year, **_dialect(options))
    if report.errors and report.errors[0][0] == 1:  # line 1 is the header: the file as a whole is refused
        raise ImportRefused(report.errors[0][1])
    summary = {
        _("Posizioni create"): report.created,
        _("Già presenti"): report.skipped,
        _("Righe scartate"): len(report.errors),
    }
    return Outcome(summary, list(report.errors))


def run_reporting_flows(data, options, progress):
    try:
        flows = reconciliation.import_flow_file(data, **_dialect(options))
    except reconciliation.FlowFileError as error:
        raise ImportRefused(str(error)) from None
    progress(60, _("Riconciliazione con le ricevute"))
    summary = {_("Flussi importati"): len(flows)}
    try:
        summary.update({str(step): count for step, count in reconciliation.reconcile().items()})
    except NotImplementedError:
        summary[_("Riconciliazione")] = _("richiede PostgreSQL")
    return Outcome(summary)


KINDS = [
    ImportKind(
        "tari_roll",
        gettext_lazy("Ruolo TARI"),
        "payments.add_debtposition",
        run_tari_roll,
        "admin:payments_import_tari",
    ),
    ImportKind(
        "reporting_flows",
        gettext_lazy("Flussi di rendicontazione"),
        "payments.add_reportingflow",
        run_reporting_flows,
        "admin:payments_import_flows",
    ),
]
