"""Clerks' imports run as background jobs: the upload only stores the file; a real Celery worker
imports it (all good lines in one transaction, or nothing); the admin shows the progress and offers
the rejected lines as a CSV; the size cap refuses a file before a job exists."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fascicolo.imports import services
from fascicolo.imports.models import ImportJob
from payments.models import DebtPosition
from payments.tari import FIELDS
from tests.conftest import wait_until
from tests.payments.clerks import login_clerk
from tests.payments.factories import RESIDENT_A, RESIDENT_B

DUE = (date.today() + timedelta(days=40)).isoformat()
GOOD_AND_BAD = (
    ",".join(FIELDS) + f"\nH1,F,{RESIDENT_A},Anna,,100.00,5.00,0,{DUE}\nH2,F,{RESIDENT_B},Luca,,abc,5.00,0,{DUE}\n"
)

pytestmark = pytest.mark.usefixtures("private_storage")


def upload_tari(client, text, name="ruolo.csv"):
    return client.post(
        reverse("admin:payments_import_tari"), {"file": SimpleUploadedFile(name, text.encode()), "year": "2026"}
    )


@pytest.mark.django_db(transaction=True)
def test_a_tari_roll_is_imported_by_a_worker_with_progress_and_a_report_of_rejected_lines(celery_worker, client):
    login_clerk(client)
    response = upload_tari(client, GOOD_AND_BAD)
    assert response.status_code == 302
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("admin:imports_importjob_change", args=[job.pk])
    page = client.get(response["Location"]).content.decode()
    assert 'id="import-job-progress"' in page and "import-progress.js" in page

    wait_until(lambda: ImportJob.objects.get(pk=job.pk).finished, timeout=90, message="import finished")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and job.progress == 100 and job.rejected == 1
    assert DebtPosition.objects.count() == 1
    status = client.get(reverse("admin:imports_importjob_status", args=[job.pk])).json()
    assert status["finished"] and status["progress"] == 100
    page = client.get(reverse("admin:imports_importjob_change", args=[job.pk])).content.decode()
    assert "Posizioni create" in page and "import-progress.js" not in page
    report = client.get(reverse("admin:imports_importjob_rejects", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["riga", "motivo"] and rows[1][0] == "3" and "importo non valido" in rows[1][1]


@pytest.mark.django_db
def test_a_file_refused_as_a_whole_writes_nothing_and_says_why(client):
    login_clerk(client)
    data = (",".join(FIELDS) + "\nR1,F,X,Niccolò,,1,0,0,2027-01-01\n").encode("cp1252")
    response = client.post(
        reverse("admin:payments_import_tari"), {"file": SimpleUploadedFile("r.csv", data), "year": "2026"}
    )
    job = ImportJob.objects.get()
    assert services.run(job.pk) == ImportJob.Status.FAILED  # what the worker does
    assert services.run(job.pk) is None  # a second delivery does nothing
    page = client.get(response["Location"]).content.decode()
    assert page.count("Windows-1252") == 1 and DebtPosition.objects.count() == 0


@pytest.mark.django_db
def test_a_file_over_the_size_cap_is_refused_before_any_job(client, settings):
    settings.IMPORT_MAX_BYTES = 100
    login_clerk(client)
    response = upload_tari(client, GOOD_AND_BAD + "x" * 200)
    assert response.status_code == 200
    assert "supera il limite" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_clerks_see_only_the_imports_their_permissions_allow(client):
    login_clerk(client)
    upload_tari(client, GOOD_AND_BAD)
    job = ImportJob.objects.get()
    client.logout()
    login_clerk(client, "flussi", superuser=False, permissions=["add_reportingflow"])
    assert client.get(reverse("admin:imports_importjob_change", args=[job.pk])).status_code == 404
    assert client.get(reverse("admin:imports_importjob_rejects", args=[job.pk])).status_code == 404
    assert job.original_name not in client.get(reverse("admin:imports_importjob_changelist")).content.decode()


@pytest.mark.django_db
def test_reporting_flows_go_through_a_job_too(client):
    login_clerk(client)
    response = client.post(reverse("admin:payments_import_flows"), {"file": SimpleUploadedFile("f.csv", b"a;b\n1;2\n")})
    job = ImportJob.objects.get(kind="reporting_flows")
    assert response.status_code == 302
    assert services.run(job.pk) == ImportJob.Status.FAILED
    assert "intestazione" in ImportJob.objects.get(pk=job.pk).error


@pytest.mark.django_db
def test_residents_are_imported_from_the_imports_page(client, tmp_path):
    from registry.models import Person
    from tests.registry.test_importer import GOOD, write_csv

    path = write_csv(tmp_path / "anpr.csv", [*GOOD, {**GOOD[0], "codice_fiscale": "XXXXXXXXXXXXXXXX"}])
    login_clerk(client)
    form = client.get(reverse("admin:imports_importjob_add"))
    assert form.status_code == 200 and "Ruolo TARI" in form.content.decode()  # the kinds with their own page
    response = client.post(
        reverse("admin:imports_importjob_add"),
        {"kind": "residents", "file": SimpleUploadedFile("anpr.csv", path.read_bytes())},
    )
    assert response.status_code == 302
    job = ImportJob.objects.get(kind="residents")
    assert services.run(job.pk) == ImportJob.Status.DONE
    job.refresh_from_db()
    assert job.rejected == 1 and Person.objects.count() == len(GOOD)
    assert job.summary["Righe importate"] == len(GOOD)


@pytest.mark.django_db
def test_a_job_address_that_is_not_a_number_is_not_found(client):
    login_clerk(client)
    assert client.get(reverse("admin:imports_importjob_change", args=["x"])).status_code == 404
