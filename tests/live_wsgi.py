"""What a live test server serves: ``gunicorn -c gunicorn.conf.py tests.live_wsgi:app``.

``running_server`` (conftest) passes the test application's whole configuration as
JSON in ``LIVE_SERVER_CONFIG``, so the served app and the test's own app object
share the database, secrets and keys.
"""

from __future__ import annotations

import json
import os

from app import create_app

app = create_app(json.loads(os.environ["LIVE_SERVER_CONFIG"]))
