"""One beat schedule, by explicit task names: every entry and route names a task that exists, and no
task of the project is known by its module path (which a refactor would silently change)."""

from django.conf import settings

from fascicolo.celery import app

PROJECT_PACKAGES = ("fascicolo", "registry", "payments")


def project_tasks():
    app.loader.import_default_modules()
    return [task for task in app.tasks.values() if task.__module__.split(".")[0] in PROJECT_PACKAGES]


def test_every_beat_entry_and_route_names_a_registered_task():
    registered = {task.name for task in project_tasks()}
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled and scheduled <= registered
    assert set(settings.CELERY_TASK_ROUTES) <= registered
    assert {"certificates.sweep_pending", "certificates.release_paid_stamps", "outbox.sweep_emails"} <= scheduled


def test_every_project_task_has_an_explicit_name():
    tasks = project_tasks()
    assert tasks
    by_path = [task.name for task in tasks if task.name == f"{task.__module__}.{task.run.__name__}"]
    assert by_path == []
