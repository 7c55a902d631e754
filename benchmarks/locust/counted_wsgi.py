"""The portal's WSGI application with one addition for the load tests: each response says how many
SQL statements its request ran, in the header ``X-Bench-Queries``.

Served only by the benchmark's gunicorn (``gunicorn benchmarks.locust.counted_wsgi:application``), so
the click-day run can prove that the waiting room answered without the database, response by
response. The count is taken with Django's ``execute_wrapper`` on the serving thread's connection,
from the start of the request until Django hands the response to the server.
"""

from django.db import connections

from fascicolo.wsgi import application as portal

HEADER = "X-Bench-Queries"


def application(environ, start_response):
    count = 0

    def counter(execute, sql, params, many, context):
        nonlocal count
        count += 1
        return execute(sql, params, many, context)

    def start(status, headers, exc_info=None):
        headers.append((HEADER, str(count)))
        return start_response(status, headers, exc_info)

    with connections["default"].execute_wrapper(counter):
        return portal(environ, start)
