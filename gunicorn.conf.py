"""gunicorn settings for every way CongDan is served: ``make run``, tests, benchmarks.

``gunicorn -c gunicorn.conf.py wsgi:app``; command-line options (``--workers``,
``--bind``) override these. README ("Serving") explains each choice and what a slow
client can still do.
"""

from __future__ import annotations

import os

# Threads that only see fully arrived requests (app/serving.py): a slow or stalled
# client costs a socket and its buffer, not a thread.
worker_class = "app.serving.RequestBufferingWorker"
workers = int(os.environ.get("WORKERS", "2"))
threads = int(os.environ.get("THREADS", "4"))
# Open connections per worker, arriving, kept alive or in flight.
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))

# A worker whose event loop has not checked in for this long is restarted (with
# threads this bounds the loop, not a request's handling); a clean stop lets
# requests in flight finish for graceful_timeout.
timeout = 30
graceful_timeout = 30
# An idle kept-alive connection is closed after this many seconds.
keepalive = 5

# Request head limits (gunicorn answers 400/431 beyond them). The API's longest
# legitimate line is an authorize URL with its PKCE challenge, well under 4 KiB.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# No gunicornc control socket: it would live at one path in $HOME, shared by every
# gunicorn on the host (parallel test servers), and nothing here uses it.
control_socket_disable = True


# Prometheus' multiprocess mode (app/metrics.py): each worker writes its counts to
# files in one directory, and a scrape answered by any worker adds them up. The
# directory is emptied when gunicorn starts, and a dead worker's gauges dropped.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="congdan-metrics-")


def on_starting(server: object) -> None:
    """Start from zero: counts of an earlier run are not this run's."""
    directory = os.environ["PROMETHEUS_MULTIPROC_DIR"]
    os.makedirs(directory, exist_ok=True)
    for name in os.listdir(directory):
        if name.endswith(".db"):
            os.remove(os.path.join(directory, name))


def child_exit(server: object, worker: object) -> None:
    """A worker that ended no longer counts in the live gauges."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined,no-untyped-call]


# JSON lines for gunicorn's own messages too, like the application's (app/logs.py).
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "app.logs.formatter",
            "kind": os.environ.get("LOG_FORMAT", "json"),
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    # gunicorn's defaults give the root logger a handler of its own: the app's
    # lines, which propagate, would be written twice.
    "root": {"level": "WARNING", "handlers": []},
    "loggers": {
        "gunicorn.error": {
            "level": "INFO",
            "handlers": ["console"],
            "propagate": False,
        },
        # No access log: it would write paths and query strings, which may hold a
        # national id; the application logs each request by its route template.
        "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
    },
}
