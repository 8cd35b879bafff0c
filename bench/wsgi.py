"""The application as ``make bench`` serves it: the product plus the floors.

``gunicorn --config gunicorn.conf.py bench.wsgi:app``; never used by ``make run``.
"""

from __future__ import annotations

from bench import floors
from wsgi import app

floors.install(app)

__all__ = ["app"]
