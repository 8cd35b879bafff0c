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
