"""The Celery application. Tasks live in each app's ``tasks.py`` and are thin entry points to services."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fascicolo.settings")

app = Celery("fascicolo")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
